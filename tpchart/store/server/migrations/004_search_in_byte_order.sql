-- Patient search as on the file (issue 21), whatever the server's locale.
--
-- A name is found by the prefix of one of its words: word >= 'chen' AND word <
-- 'chen' || U+10FFFF (tpchart/store/records/patients.py). That range holds exactly the
-- words starting with the prefix only when words compare code point by code point, as
-- SQLite compares them; a server created with a language's collation (Debian's default
-- is the system locale, e.g. en_US.UTF-8) orders by other rules (accents and case
-- second, punctuation ignored), under which the range can miss words. "C" compares
-- bytes, and UTF-8 bytes sort in code point order.
ALTER TABLE patient_name_words ALTER COLUMN word TYPE text COLLATE "C";

-- A record number is found by its prefix, ignoring case: lower(record_number) LIKE
-- 'a-00%'. The unique index on lower(record_number) serves such a LIKE only in the "C"
-- locale; text_pattern_ops serves it in any, so the search stays an index lookup on a
-- clinic's 100,000 patients.
CREATE INDEX patients_record_number_prefix ON patients (lower(record_number) text_pattern_ops);
