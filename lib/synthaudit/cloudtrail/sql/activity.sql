-- `classified` rolled up per hour: one row per principal, account, region, hour, action,
-- resource, network and client, with the number of events, the first one's time and, for
-- the review window only, their event ids (comma-joined; what the anomalies cite).
-- The baseline detectors (new behaviour, volume, coverage) aggregate this instead of every
-- event; it holds everything they read, so their answers are the same as over `classified`
-- (count(*) becomes sum(n), min(event_time) becomes min(first_time)).
SELECT principal_arn, principal_type, account, region, event_day,
       date_trunc('hour', event_time) AS hour_start, event_source, event_name, resource_arn,
       network, client, in_review,
       count(*) AS n, min(event_time) AS first_time,
       CASE WHEN in_review THEN string_agg(event_id, ',') END AS event_ids
FROM classified
GROUP BY principal_arn, principal_type, account, region, event_day, date_trunc('hour', event_time),
         event_source, event_name, resource_arn, network, client, in_review
