-- v3: fewer index writes per job, room for HOT updates of grain rows.
-- Claims use jobs_queued_partition; nothing looks jobs up by grain or by due time alone.
DROP INDEX jobs_queued;
DROP INDEX jobs_grain;
-- A state write changes no indexed value: with free space on the page it is a HOT update (no index writes).
ALTER TABLE grains SET (fillfactor = 80);
