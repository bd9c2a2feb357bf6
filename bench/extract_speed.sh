#!/bin/sh
# Measures dry-run extraction speed (MB/s of article text, one core) on a
# corpus of generated articles: parley load --dry-run --json DIR.
#   bench/extract_speed.sh [ARTICLES] [BUILD_DIR]
set -eu
articles=${1:-10000}
build=${2:-build}
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$work" "$articles" <<'PY'
import os, random, sys
out, count = sys.argv[1], int(sys.argv[2])
rng = random.Random(42)
speakers = [("Kremlin spokesperson Dmitry Peskov", "Peskov"), ("Russian President Vladimir Putin", "Putin"),
            ("Ukrainian President Volodymyr Zelensky", "Zelensky"), ("US President Donald Trump", "Trump"),
            ("French President Emmanuel Macron", "Macron"), ("German Chancellor Friedrich Merz", "Merz"),
            ("Israeli Prime Minister Benjamin Netanyahu", "Netanyahu"), ("US Secretary of State Marco Rubio", "Rubio"),
            ("Kremlin aide Ivan Sorokin", "Sorokin"), ("Olena Hrytsenko, Ukraine's deputy foreign minister,", "Hrytsenko")]
parties = ["Russia", "Ukraine", "Washington", "Kyiv", "Moscow", "The Kremlin", "The White House", "Hamas", "Israel", "The European Union"]
positions = ["has rejected the idea of a ceasefire to allow a referendum", "wants Kyiv to withdraw troops from the Donetsk region",
             "has proposed a free economic zone in Donbas", "agreed to a prisoner exchange", "warned that sanctions would follow if talks fail",
             "wants fighting halted along current front lines", "demanded security guarantees for up to 50 years"]
claims = ["said the talks on security guarantees were making progress", "told reporters that Ukraine must withdraw from Donbas",
          "said no call between the leaders is being discussed", "said any foreign troop deployment would be unacceptable",
          "stressed that the frozen assets must fund reconstruction", "added that a meeting would be possible after a deal"]
quotes = ["We are talking about the withdrawal of forces from the region", "There is no detailed concept for a free economic zone yet",
          "The strikes will have to stop", "Power supply is a foundation of life. We value the efforts of our partners"]
narration = ["Russia launched a heavy attack on energy facilities overnight.", "Large parts of the capital were without power on Monday.",
             "The talks lasted roughly 90 minutes after a five-hour session.", "Negotiators convened in Geneva for a second day."]
for n in range(count):
    paras = [f" date 2025-{rng.randint(1,12):02d}-{rng.randint(1,28):02d} Share current article via Email",
             f"By Anna Kovalenko and John Smith", f"Kyiv — {rng.choice(parties)} {rng.choice(positions)}."]
    for _ in range(rng.randint(20, 32)):  # news articles run 3-6 KB
        full, short = rng.choice(speakers)
        kind = rng.randrange(4)
        if kind == 0:
            paras.append(f"{full} {rng.choice(claims)} on Sunday.")
        elif kind == 1:
            paras.append(f"\u201c{rng.choice(quotes)},\u201d {short} said.")
        elif kind == 2:
            paras.append(f"{rng.choice(parties)} {rng.choice(positions)}, and {rng.choice(parties)} {rng.choice(positions)}.")
        else:
            paras.append(rng.choice(narration) + " " + rng.choice(narration))
    paras.append("Update: December 29 2025")
    with open(os.path.join(out, f"a{n:05d}.txt"), "w", encoding="utf-8") as f:
        f.write("\n\n".join(paras) + "\n")
PY
bytes=$(cat "$work"/*.txt | wc -c)
start=$(date +%s.%N)
"$here/$build/parley" load --dry-run --json "$work" > "$work.out" 2> /dev/null || true
end=$(date +%s.%N)
claims=$(grep -o '"stance"' "$work.out" | wc -l)
rm -f "$work.out"
python3 - "$bytes" "$start" "$end" "$articles" "$claims" <<'PY'
import sys
b, s, e, n, c = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
t = e - s
print(f"{n} articles, {b/1e6:.1f} MB, {c} claims in {t:.2f} s: {b/1e6/t:.1f} MB/s, {n/t:.0f} articles/s "
      "(dry-run with JSON output, one core)")
PY
