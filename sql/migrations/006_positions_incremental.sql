-- Positions, faster writes: new issue links are added to their cells (counts
-- up, the latest claim replaced when the new one is later) instead of
-- recounting each cell from the claims, and the recounts that remain
-- (deletes, changed claims, moved issues) read only the cell's own links
-- through the (party_id, speaker_id, issue_id) index rather than every claim
-- of the party. Loading articles had slowed down as the database grew,
-- because every insert recounted whole parties' claims.

