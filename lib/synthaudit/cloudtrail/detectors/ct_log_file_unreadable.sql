-- Source files that could not be read as CloudTrail: truncated gzip, invalid JSON,
-- JSON that is not CloudTrail. The rest of the source was processed.
SELECT CAST(NULL AS TIMESTAMP) AS event_time, CAST(NULL AS VARCHAR) AS principal, status AS action,
       object_uri AS resource, CAST(NULL AS VARCHAR) AS account, CAST(NULL AS VARCHAR) AS region,
       error AS detail, 0 AS events, CAST(NULL AS VARCHAR) AS event_ids, false AS failed, CAST(NULL AS VARCHAR) AS environment
FROM source_errors
