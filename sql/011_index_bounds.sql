-- Input bounds (issue 12): what a client sends can no longer break an index.

-- A b-tree index row holds at most about 2,700 bytes: a URL of 2,000
-- four-byte characters (inside the API's limit) or a long title made the
-- insert fail. Both are looked up by equality only (finding an earlier
-- version of an article, src/db/store.c), so their hashes are indexed and
-- the lookups compare md5(column) = md5(value) and then the value itself.
DROP INDEX articles_url;
CREATE INDEX articles_url_md5 ON articles (md5(url));
DROP INDEX articles_title_published;
CREATE INDEX articles_title_published_md5 ON articles (md5(title), published);
