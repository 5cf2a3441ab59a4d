DROP INDEX submissions_table_idx;
