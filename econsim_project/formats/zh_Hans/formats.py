"""Simplified Chinese number formats: Django groups by four digits with no separator, which
shows money as a run of bare digits; Chinese finance pages group by thousands with commas."""

DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
