"""Fixed names of the simulated estate, shared by its builders (estate, logs, datasets).

Only the demo builders import this; the kit itself never does (it must discover
everything the way it would in a real estate).
"""
MANAGEMENT = "100000000001"
PRODUCTION = "210987654321"
SYNTHETIC = "310000000003"
LOGGING = "410000000004"
ACCOUNTS = {MANAGEMENT: "management", PRODUCTION: "production-phi", SYNTHETIC: "synthetic-data", LOGGING: "logging-shared"}
ORG_ID = "o-synthaudit"
ROOT_ID = "r-synt"  # the organisation root (moto draws one at random; the launcher pins it)
REGIONS = ("us-east-1", "eu-west-1")
HOME_REGION = "us-east-1"

# The role every account carries for the kit (params: aws.audit_role_name).
AUDIT_ROLE = "SynthauditReadOnly"

# CloudTrail: an organisation trail delivered to the logging account.
TRAIL_NAME = "org-trail"
TRAIL_BUCKET = f"org-cloudtrail-logs-{LOGGING}"

# Data stores and principals that more than one builder refers to.
PROD_PHI_BUCKET = "phi-claims-prod"
PROD_IMAGING_BUCKET = "phi-imaging-prod"
PROD_SAMPLES_BUCKET = "phi-research-samples-prod"   # leak phase: production samples
SYNTH_OUTPUT_BUCKET = "synth-output-data"           # leak phase: synthetic outputs
SYNTH_GENERATOR_ROLE = "synth-generator"            # EC2 instance profile role, synthetic account
SYNTH_PIPELINE_ROLE = "synth-pipeline"              # Step Functions / Glue / Lambda role, synthetic account
SYNTH_ANALYST_ROLE = "synth-data-analyst"           # humans in the synthetic account
PROD_ETL_ROLE = "prod-etl"                          # production-side ETL, production account
