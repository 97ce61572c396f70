"""AWS limits, defaults and prices: the one table that validation, docs and notebooks read.

Each entry names its source page (``L/`` = https://docs.aws.amazon.com/lambda/latest/dg/).
Values marked ``lab assumption`` are not published by AWS; the lab picks a typical value and
says so.
"""
from __future__ import annotations

from dataclasses import dataclass

MB = 1024 * 1024


@dataclass(frozen=True)
class Range:
    """An inclusive AWS parameter range with its default."""

    name: str
    low: float
    high: float
    default: float | None
    unit: str
    source: str


# --- Lambda function configuration -------------------------------------------------------
MEMORY_SIZE = Range("MemorySize", 128, 10_240, 128, "MB", "L/configuration-memory.html")
TIMEOUT = Range("Timeout", 1, 900, 3, "s", "L/configuration-timeout.html")
EPHEMERAL_STORAGE = Range("EphemeralStorage.Size", 512, 10_240, 512, "MB",
                          "L/API_EphemeralStorage.html")
MAXIMUM_RETRY_ATTEMPTS = Range("MaximumRetryAttempts", 0, 2, 2, "attempts",
                               "L/API_FunctionEventInvokeConfig.html")
MAXIMUM_EVENT_AGE = Range("MaximumEventAgeInSeconds", 60, 21_600, 21_600, "s",
                          "L/API_FunctionEventInvokeConfig.html")

MB_PER_VCPU = 1_769            # L/configuration-memory.html: 1,769 MB = one vCPU
MAX_VCPUS = 6                  # L/configuration-memory.html: up to 6 vCPUs at 10,240 MB
ENVIRONMENT_BYTES = 4 * 1024   # L/configuration-envvars.html: 4 KB for all variables
SYNC_PAYLOAD_BYTES = 6 * MB    # L/API_Invoke.html: 6 MB request and response
ASYNC_PAYLOAD_BYTES = 1 * MB   # L/API_Invoke.html; raised from 256 KB in Jan 2026
LOG_TAIL_BYTES = 4 * 1024      # L/API_Invoke.html: LogResult is the last 4 KB
ZIP_BYTES = 50 * MB            # L/gettingstarted-limits.html: direct upload, zipped
UNZIPPED_BYTES = 250 * MB      # L/gettingstarted-limits.html: unzipped, with layers

# --- concurrency and scaling ------------------------------------------------------------
ACCOUNT_CONCURRENCY = 1_000    # L/gettingstarted-limits.html: per Region, can be raised
UNRESERVED_MINIMUM = 100       # L/configuration-concurrency.html: keep 100 unreserved
SCALING_ENVIRONMENTS = 1_000   # L/scaling-behavior.html: 1,000 environments ...
SCALING_PERIOD = 10.0          # ... per 10 s per function, refilled continuously

# --- asynchronous invocation (L/invocation-async-error-handling.html) -------------------
ASYNC_RETRY_DELAYS = (60.0, 120.0)   # 1 min before the 2nd attempt, 2 min before the 3rd
THROTTLE_BACKOFF_FIRST = 1.0         # throttled events: backoff from 1 s ...
THROTTLE_BACKOFF_MAX = 300.0         # ... doubling up to 5 minutes

# --- execution environments: lab assumptions (AWS publishes none) -----------------------
INIT_DURATION = 0.25       # s, a typical Python cold start (lab assumption)
IDLE_KEEP_ALIVE = 300.0    # s an idle environment stays warm (lab assumption)
MEMORY_USED_MB = 40        # MB a small Python handler reports as Max Memory Used (lab assumption)
HANDLER_WALL_LIMIT = 30.0  # real seconds before the runaway guard stops a handler (lab setting)

# --- pricing, us-east-1 (https://aws.amazon.com/lambda/pricing/) ------------------------
PRICE_PER_REQUEST = 0.20 / 1_000_000
PRICE_PER_GB_SECOND = {"x86_64": 0.0000166667, "arm64": 0.0000133334}
FREE_TIER = {"requests": 1_000_000, "gb_seconds": 400_000}   # per month
# An always-on comparison point for notebooks: an EC2 t3.medium (2 vCPU, 4 GiB) on demand in
# us-east-1, Linux (https://aws.amazon.com/ec2/pricing/on-demand/)
EXAMPLE_SERVER_PER_HOUR = 0.0416
HOURS_PER_MONTH = 730          # AWS pricing examples use 730 hours a month
# Billed duration is rounded up to 1 ms (since Dec 2020) and includes the INIT phase
# (since Aug 2025: https://aws.amazon.com/blogs/compute/aws-lambda-standardizes-billing-for-init-phase/)
BILLING_GRANULARITY = 0.001

# Sources of the ranges above, for docs and error messages.
RANGES = {r.name: r for r in (MEMORY_SIZE, TIMEOUT, EPHEMERAL_STORAGE,
                              MAXIMUM_RETRY_ATTEMPTS, MAXIMUM_EVENT_AGE)}

# --- Amazon SQS (SQS/ = https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/,
#     SQSAPI/ = https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/) ------
SQS_VISIBILITY_TIMEOUT = Range("VisibilityTimeout", 0, 43_200, 30, "s",
                               "SQSAPI/API_SetQueueAttributes.html")
SQS_DELAY_SECONDS = Range("DelaySeconds", 0, 900, 0, "s", "SQSAPI/API_SetQueueAttributes.html")
SQS_RETENTION = Range("MessageRetentionPeriod", 60, 1_209_600, 345_600, "s",
                      "SQS/quotas-messages.html")
# 1 MiB since 2025 (https://aws.amazon.com/blogs/compute/more-room-to-build-serverless-services-
# now-support-payloads-up-to-1-mb); AWS's default for new queues is taken as the maximum.
SQS_MAXIMUM_MESSAGE_SIZE = Range("MaximumMessageSize", 1_024, 1_048_576, 1_048_576, "bytes",
                                 "SQS/quotas-messages.html")
SQS_RECEIVE_WAIT = Range("ReceiveMessageWaitTimeSeconds", 0, 20, 0, "s",
                         "SQSAPI/API_SetQueueAttributes.html")
SQS_MAX_RECEIVE_COUNT = Range("maxReceiveCount", 1, 1_000, None, "receives",
                              "SQS/sqs-dead-letter-queues.html")
SQS_RECEIVE_MAX_MESSAGES = 10      # SQSAPI/API_ReceiveMessage.html: MaxNumberOfMessages 1-10
SQS_BATCH_ENTRIES = 10             # SQSAPI/API_SendMessageBatch.html: up to 10 entries
SQS_MESSAGE_ATTRIBUTES = 10        # SQS/quotas-messages.html: 10 message attributes
SQS_DEDUP_INTERVAL = 300.0         # SQS/FIFO-key-terms.html: 5-minute deduplication interval
SQS_PURGE_INTERVAL = 60.0          # SQSAPI/API_PurgeQueue.html: one purge per 60 s
SQS_QUEUE_NAME_LENGTH = 80         # SQSAPI/API_CreateQueue.html
SQS_MOVE_RATE_MAX = 500            # SQSAPI/API_StartMessageMoveTask.html: 1-500 messages/s
SQS_REDRIVE_ALLOW_QUEUES = 10      # SQSAPI/API_SetQueueAttributes.html: sourceQueueArns <= 10

# --- Lambda event source mapping for SQS (L/services-sqs-*.html, L/API_CreateEventSourceMapping.html)
ESM_SQS_BATCH_SIZE = Range("BatchSize", 1, 10_000, 10, "messages",
                           "L/services-sqs-parameters.html")
ESM_SQS_FIFO_BATCH_MAX = 10        # L/services-sqs-parameters.html: FIFO queues up to 10
ESM_BATCHING_WINDOW = Range("MaximumBatchingWindowInSeconds", 0, 300, 0, "s",
                            "L/API_CreateEventSourceMapping.html")
ESM_MAXIMUM_CONCURRENCY = Range("MaximumConcurrency", 2, 1_000, None, "batches",
                                "L/API_ScalingConfig.html")
ESM_BATCH_PAYLOAD_BYTES = SYNC_PAYLOAD_BYTES   # a batch is one synchronous invoke: 6 MB
ESM_SQS_INITIAL_POLLERS = 5        # L/services-sqs-scaling.html: starts with 5 concurrent batches
ESM_SQS_SCALE_PER_MINUTE = 300     # ... adds up to 300 per minute ...
ESM_SQS_MAX_POLLERS = 1_000        # ... up to 1,000 concurrent batches per mapping
ESM_THROTTLE_BACKOFF = 1.0         # s before pollers retry after a throttle (lab assumption)

# --- Amazon EventBridge (EB/ = https://docs.aws.amazon.com/eventbridge/latest/userguide/,
#     EBAPI/ = https://docs.aws.amazon.com/eventbridge/latest/APIReference/) ----------------
EVENTS_PUT_ENTRIES = 10                # EBAPI/API_PutEvents.html: 1-10 entries per request
EVENTS_ENTRY_BYTES = 1 * MB            # EB/eb-putevent-size.html: raised from 256 KB in Jan 2026
                                       # (aws_facts.md section 9); the request total is capped too
EVENTS_TARGETS_PER_RULE = 5            # EBAPI/API_PutTargets.html: up to 5 targets per rule
EVENTS_RULES_PER_BUS = 300             # EB/eb-quota.html: 300 (100 in af-south-1, eu-south-1)
EVENTS_RETRY_ATTEMPTS = Range("MaximumRetryAttempts", 0, 185, 185, "attempts",
                              "EBAPI/API_RetryPolicy.html")
EVENTS_EVENT_AGE = Range("MaximumEventAgeInSeconds", 60, 86_400, 86_400, "s",
                         "EBAPI/API_RetryPolicy.html")
# EB/eb-rule-retry-policy.html: "exponential back off and jitter"; AWS publishes neither the
# base nor the cap. Lab assumption: full jitter, uniform(0, min(cap, base * 2**n)) seconds, with a
# cap that spreads 185 attempts over roughly a day.
EVENTS_RETRY_BASE = 1.0
EVENTS_RETRY_CAP = 900.0
EVENTS_SCHEDULE_MIN = 60.0             # EB/eb-scheduled-rule-pattern.html: no rate under 1 minute

# --- Amazon SNS filter policies (SNS/ = https://docs.aws.amazon.com/sns/latest/dg/) -------
SNS_FILTER_MAX_KEYS = 5                  # SNS/subscription-filter-policy-constraints.html
SNS_FILTER_MAX_COMBINATIONS = 150        # same page: value combinations in one policy
SNS_FILTER_NUMBER_LIMIT = 1_000_000_000  # same page: numbers within ±1e9, 5 decimal places
SNS_FILTER_MAX_BYTES = 256 * 1024        # same page: a filter policy is at most 256 KB

# --- CloudWatch Logs and CloudWatch metrics (CWL/ = https://docs.aws.amazon.com/
#     AmazonCloudWatchLogs/latest/APIReference/, CW/ = https://docs.aws.amazon.com/
#     AmazonCloudWatch/latest/APIReference/) ---------------------------------------------------
LOGS_DESCRIBE_LIMIT = 50               # CWL/API_DescribeLogGroups.html, API_DescribeLogStreams.html:
                                       # limit 1-50, default 50
LOGS_GET_EVENTS_LIMIT = 10_000         # CWL/API_GetLogEvents.html, API_FilterLogEvents.html:
                                       # limit 1-10,000, default as many as fit 1 MB (<= 10,000)
CW_HIGH_RESOLUTION_PERIODS = (1, 5, 10, 30)   # CW/API_GetMetricStatistics.html: Period 1, 5,
                                       # 10, 30, 60 or any multiple of 60
CW_MAX_DATAPOINTS = 1_440              # CW/API_GetMetricStatistics.html: at most 1,440 data
                                       # points per call
CW_GET_METRIC_DATA_QUERIES = 500       # CW/API_GetMetricData.html: up to 500 queries per call
CW_METRIC_DATA_MAX_DATAPOINTS = 100_800   # CW/API_GetMetricData.html: MaxDatapoints default
CW_LIST_METRICS_PAGE = 500             # CW/API_ListMetrics.html: up to 500 results per call
CW_DESCRIBE_ALARMS_PAGE = 100          # CW/API_DescribeAlarms.html: MaxRecords 1-100 (default 50)
CW_DESCRIBE_ALARMS_DEFAULT = 50
CW_DELETE_ALARMS = 100                 # CW/API_DeleteAlarms.html: up to 100 alarms per call
CW_ALARM_PERIOD_EVALUATION = 86_400    # CW/API_PutMetricAlarm.html: Period x EvaluationPeriods
                                       # at most one day (86,400 s)
CW_PUT_METRIC_DATA = 1_000             # CW/API_PutMetricData.html: up to 1,000 metrics per call
CW_METRIC_VALUES = 150                 # CW/API_MetricDatum.html: Values holds up to 150 values

# --- Amazon SNS topics, publishing and delivery -------------------------------------------
SNS_MESSAGE_BYTES = 256 * 1024       # SNS/large-message-payloads.html: 256 KiB by default
SNS_MESSAGE_ATTRIBUTES = 10          # SNS/sns-message-attributes.html: up to 10 attributes
SNS_NUMBER_ATTRIBUTE_LIMIT = 1e9     # same page: Number values from -1e9 to 1e9
SNS_BATCH_ENTRIES = 10               # SNSAPI/API_PublishBatch.html: up to 10 messages
SNS_DEDUP_INTERVAL = 300.0           # SNS/fifo-message-dedup.html: 5-minute deduplication
SNS_TOPIC_NAME_LENGTH = 256          # SNSAPI/API_CreateTopic.html: up to 256 characters
SNS_SUBJECT_LENGTH = 100             # SNSAPI/API_Publish.html: Subject under 100 characters
SNS_TAGS_PER_TOPIC = 50              # SNS/sns-tags-restrictions.html: 50 tags per topic
SNS_PAGE_SIZE = 100                  # SNSAPI/API_ListTopics.html, API_ListSubscriptions.html
# SNS/sns-message-delivery-retries.html: AWS-managed endpoints (Lambda, SQS) get 100,015
# attempts over 23 days; HTTP/S policies at most 3,600 s of retries (numRetries up to 100,
# SNSAPI DeliveryPolicy docs)
SNS_MANAGED_ATTEMPTS = 100_015
SNS_HTTP_MAX_RETRY_TIME = 3_600
SNS_HTTP_MAX_RETRIES = 100
SNS_RETRY_JITTER = 0.1               # ±10% on every retry delay (lab assumption: AWS says
                                     # only that it applies jitter)
SNS_HTTP_TIMEOUT = 2.0               # real seconds the lab waits for a loopback HTTP endpoint
                                     # (lab setting)

# --- Amazon Kinesis Data Streams (K/ = https://docs.aws.amazon.com/kinesis/latest/APIReference/,
#     KDG/ = https://docs.aws.amazon.com/streams/latest/dev/) -----------------------------
KINESIS_RETENTION_HOURS = Range("RetentionPeriodHours", 24, 8_760, 24, "h",
                                "KDG/kinesis-extended-retention.html")
KINESIS_SHARD_WRITE_BYTES = 1 * MB     # KDG/service-sizes-and-limits.html: 1 MB/s per shard ...
KINESIS_SHARD_WRITE_RECORDS = 1_000    # ... and 1,000 records/s per shard
KINESIS_RECORD_BYTES = 1 * MB          # K/API_PutRecord.html: data + partition key up to 1 MiB
KINESIS_PUT_RECORDS_ENTRIES = 500      # K/API_PutRecords.html: up to 500 records ...
KINESIS_PUT_RECORDS_BYTES = 5 * MB     # ... and 5 MiB per request
KINESIS_PARTITION_KEY_LENGTH = 256     # K/API_PutRecord.html: 1-256 Unicode characters
KINESIS_GET_RECORDS_LIMIT = 10_000     # K/API_GetRecords.html: Limit 1-10,000 (the default) ...
KINESIS_GET_RECORDS_BYTES = 10 * MB    # ... and at most 10 MiB per call
KINESIS_ITERATOR_TTL = 300.0           # K/API_GetShardIterator.html: an iterator expires in 5 min
KINESIS_SHARD_QUOTA = 500              # KDG/service-sizes-and-limits.html: 500 shards per account
                                       # in us-east-1 (200 in most other Regions)
KINESIS_ON_DEMAND_SHARDS = 4           # KDG/how-do-i-size-a-stream.html: on-demand starts at
                                       # 4 MB/s of write capacity (4 shards)
KINESIS_STREAM_NAME_LENGTH = 128       # K/API_CreateStream.html

# --- Lambda event source mappings for streams (L/services-kinesis-parameters.html,
#     L/services-ddb-params.html, L/API_CreateEventSourceMapping.html) ----------------------
ESM_STREAM_BATCH_SIZE = Range("BatchSize", 1, 10_000, 100, "records",
                              "L/services-kinesis-parameters.html")
ESM_PARALLELIZATION = Range("ParallelizationFactor", 1, 10, 1, "batches per shard",
                            "L/services-kinesis-parameters.html")
ESM_STREAM_RETRIES = Range("MaximumRetryAttempts", -1, 10_000, -1, "retries",
                           "L/services-kinesis-parameters.html")
ESM_RECORD_AGE = Range("MaximumRecordAgeInSeconds", -1, 604_800, -1, "s",
                       "L/services-kinesis-parameters.html")   # -1, or 60-604,800
ESM_RECORD_AGE_MIN = 60                # L/API_CreateEventSourceMapping.html: minimum 60 unless -1
ESM_TUMBLING_WINDOW = Range("TumblingWindowInSeconds", 0, 900, 0, "s",
                            "L/services-kinesis-windows.html")
ESM_STREAM_RETRY_FIRST = 1.0           # s before the first retry of a failed batch, doubling ...
ESM_STREAM_RETRY_MAX = 60.0            # ... up to 60 s (lab assumption: AWS publishes no backoff)
DYNAMODB_STREAM_RETENTION = 86_400.0   # L/services-ddb-params.html: 24 hours

# --- HTTP front doors ----------------------------------------------------------------------
REST_API_INTEGRATION_TIMEOUT = 29.0    # https://docs.aws.amazon.com/apigateway/latest/
                                       # developerguide/limits.html: 50 ms - 29 s (default)
HTTP_API_INTEGRATION_TIMEOUT = 30.0    # .../developerguide/http-api-quotas.html: 30 s maximum
