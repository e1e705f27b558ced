-- Log files whose SHA-256 differs from their digest, log files a digest lists but the
-- bucket no longer holds, digests whose chain or signature does not verify.
SELECT event_time, CAST(NULL AS VARCHAR) AS principal, problem AS action, object_uri AS resource,
       account, region, detail, 1 AS events, CAST(NULL AS VARCHAR) AS event_ids, false AS failed, CAST(NULL AS VARCHAR) AS environment
FROM integrity
WHERE problem IN ('hash_mismatch', 'log_missing', 'chain_broken', 'signature_invalid')
