DROP FUNCTION take_rate_limit(text, text, integer, double precision);
DROP TABLE rate_limit_arrivals;
