-- A period of the trail (at >= from AND at < to: the auditors' summary, the export) was found by
-- reading every row of the month's partition. Events are appended in time order, so a BRIN index
-- (one min/max per 128 pages) narrows a period to its pages for a few kilobytes of index and next
-- to nothing per insert; autosummarize summarizes the pages filled since, without waiting for VACUUM.
-- Created on the partitioned table: every partition, present and future, gets it.
CREATE INDEX audit_event_by_at ON audit_event USING brin (at) WITH (autosummarize = on);
