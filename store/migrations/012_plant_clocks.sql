-- 012: plant clocks that cannot be trusted blindly, and Bad values kept as sent.

-- What the recorder found doubtful about a reading, beside the plant's untouched 32-bit
-- status: bit 1, the source timestamp was ahead of the receive time by more than the
-- endpoint's tolerance (store.readings.ReadingFlag). A constant default adds the column
-- without rewriting stored chunks.
ALTER TABLE reading ADD COLUMN flags smallint NOT NULL DEFAULT 0 CHECK (flags >= 0);

-- From now on a Bad reading keeps the value the server sent, so "no value" no longer means
-- Bad: the plot query finds a window's Bad readings here (few, a small partial index)
-- instead of reading every row's status from the heap.
CREATE INDEX reading_bad ON reading (tag_id, time) WHERE status_code >= 2147483648;

-- When the recorder last received a reading of each tag whose timestamp it trusts (not
-- flagged): staleness is measured from here, so a plant clock ahead or behind neither
-- hides nor fakes a dead signal. Rewritten about once a second per live tag, hence the
-- fill factor (updates stay on their page).
CREATE TABLE tag_receipt (
    tag_id      integer PRIMARY KEY,
    received_at timestamptz NOT NULL
) WITH (fillfactor = 50);
