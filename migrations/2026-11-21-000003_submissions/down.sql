DROP TABLE submission_addresses; DROP TABLE submissions;
