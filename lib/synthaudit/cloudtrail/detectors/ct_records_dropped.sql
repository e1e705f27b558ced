-- Records a readable log file held that could not become events: no eventTime (or one that
-- is not a time), no eventName or no eventSource. They are counted per file and named here,
-- never dropped silently (a file with no usable record at all is CT_LOG_FILE_UNREADABLE).
SELECT CAST(NULL AS TIMESTAMP) AS event_time, CAST(NULL AS VARCHAR) AS principal, 'records dropped' AS action,
       object_uri AS resource, CAST(NULL AS VARCHAR) AS account, CAST(NULL AS VARCHAR) AS region,
       CAST(records AS VARCHAR) || ' records dropped: ' || reason AS detail, records AS events,
       CAST(NULL AS VARCHAR) AS event_ids, false AS failed, CAST(NULL AS VARCHAR) AS environment
FROM dropped_records
