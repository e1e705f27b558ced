"""The Athena table the AthenaEngine reads: the standard CloudTrail table with partition
projection on account, region and day, so no crawler or MSCK REPAIR is needed and
every query prunes to the days it asks for."""
from __future__ import annotations

COLUMNS = """
  eventversion STRING,
  useridentity STRUCT<
    type: STRING, principalid: STRING, arn: STRING, accountid: STRING, invokedby: STRING,
    accesskeyid: STRING, username: STRING,
    sessioncontext: STRUCT<
      attributes: STRUCT<mfaauthenticated: STRING, creationdate: STRING>,
      sessionissuer: STRUCT<type: STRING, principalid: STRING, arn: STRING, accountid: STRING, username: STRING>>>,
  eventtime STRING,
  eventsource STRING,
  eventname STRING,
  awsregion STRING,
  sourceipaddress STRING,
  useragent STRING,
  errorcode STRING,
  errormessage STRING,
  requestparameters STRING,
  responseelements STRING,
  additionaleventdata STRING,
  requestid STRING,
  eventid STRING,
  resources ARRAY<STRUCT<arn: STRING, accountid: STRING, type: STRING>>,
  eventtype STRING,
  apiversion STRING,
  readonly STRING,
  recipientaccountid STRING,
  serviceeventdetails STRING,
  sharedeventid STRING,
  vpcendpointid STRING,
  eventcategory STRING,
  managementevent STRING"""


def create_table_sql(table: str, bucket: str, prefix: str = "", org_id: str | None = None,
                     accounts: list[str] | tuple[str, ...] = (), regions: list[str] | tuple[str, ...] = (),
                     start_day: str = "2020/01/01") -> str:
    """CREATE EXTERNAL TABLE for the trail bucket, partitions projected (account, region, day)."""
    base = f"s3://{bucket}/{prefix.strip('/') + '/' if prefix.strip('/') else ''}AWSLogs/{org_id + '/' if org_id else ''}"
    return f"""CREATE EXTERNAL TABLE IF NOT EXISTS {table} ({COLUMNS}
)
PARTITIONED BY (account STRING, region STRING, day STRING)
ROW FORMAT SERDE 'org.apache.hive.hcatalog.data.JsonSerDe'
STORED AS INPUTFORMAT 'com.amazon.emr.cloudtrail.CloudTrailInputFormat'
OUTPUTFORMAT 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat'
LOCATION '{base}'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.account.type' = 'enum',
  'projection.account.values' = '{",".join(accounts)}',
  'projection.region.type' = 'enum',
  'projection.region.values' = '{",".join(regions)}',
  'projection.day.type' = 'date',
  'projection.day.format' = 'yyyy/MM/dd',
  'projection.day.range' = '{start_day},NOW',
  'projection.day.interval' = '1',
  'projection.day.interval.unit' = 'DAYS',
  'storage.location.template' = '{base}${{account}}/CloudTrail/${{region}}/${{day}}'
)"""
