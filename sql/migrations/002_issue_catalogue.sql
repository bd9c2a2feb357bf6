-- The default issue catalogue (Russia-Ukraine peace negotiations), from the
-- project's spec. Users add their own issues through the API.
INSERT INTO issues (slug, name, description) VALUES
  ('peace-deal', 'Peace deal',
   'The overall peace agreement or plan (e.g. the 20-point plan), its framework, its readiness and the progress of the talks as a whole, and whether a party wants the war to end.'),
  ('territory', 'Territory',
   'Which side controls which land; territorial claims, concessions and withdrawals in general.'),
  ('zaporizhzhia-npp', 'Zaporizhzhia nuclear power plant',
   'Who controls and operates the Zaporizhzhia nuclear power station, and how its power is shared.'),
  ('security-guarantees', 'Security guarantees',
   'Guarantees for Ukraine''s security after a deal: who gives them, their form and their duration.'),
  ('ceasefire', 'Ceasefire',
   'A truce or halt to the fighting, its length and its conditions.'),
  ('referendum', 'Referendum',
   'A public vote in Ukraine on the peace plan or on territorial concessions.'),
  ('leaders-meeting', 'Leaders'' meeting',
   'Direct meetings, calls or formats of communication between the leaders or their envoys.'),
  ('frozen-assets', 'Frozen Russian assets',
   'Use of immobilised Russian state assets, reparations and reconstruction money.'),
  ('sanctions', 'Sanctions',
   'Sanctions on Russia: keeping, tightening or lifting them.'),
  ('nato-membership', 'NATO membership',
   'Ukraine''s membership of NATO or renunciation of it.'),
  ('armed-forces-limits', 'Limits on Ukraine''s armed forces',
   'Caps on the size or weapons of Ukraine''s army.'),
  ('elections', 'Elections in Ukraine',
   'Presidential or parliamentary elections in Ukraine and their timing.'),
  ('prisoner-exchange', 'Prisoners and deportees',
   'Exchanges of prisoners of war, return of civilians and deported children.'),
  ('energy-infrastructure', 'Strikes on energy infrastructure',
   'Attacks on power plants and the grid, and proposals to stop them.');

INSERT INTO issues (slug, name, description, parent_id)
SELECT v.slug, v.name, v.description, p.id FROM (VALUES
  ('donbas', 'Donbas',
   'Control of the Donetsk and Luhansk regions; demands that Ukrainian troops withdraw from the part of Donbas that Ukraine holds.', 'territory'),
  ('zaporizhzhia-kherson', 'Zaporizhzhia and Kherson regions',
   'Control of the Zaporizhzhia and Kherson regions (the land, not the nuclear plant).', 'territory'),
  ('crimea', 'Crimea',
   'Status and recognition of the Crimean peninsula.', 'territory'),
  ('free-economic-zone', 'Free economic zone',
   'A free economic, special economic or demilitarised zone in the part of Donbas that Ukraine would leave.', 'territory'),
  ('frontline-freeze', 'Freeze on current front lines',
   'Halting the fighting where the armies stand now, as the basis of a territorial settlement.', 'territory'),
  ('foreign-troops', 'Foreign troops in Ukraine',
   'Deployment of foreign (e.g. European, coalition of the willing) forces on Ukrainian territory.', 'security-guarantees')
) AS v (slug, name, description, parent) JOIN issues p ON p.slug = v.parent;
