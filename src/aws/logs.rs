//! `logs::*`: the CloudWatch Logs reads an import report needs, one table.
//!
//! Cognito writes each user-import job's per-row results to CloudWatch Logs (log group
//! `/aws/cognito/userpools/<pool id>/<pool name>`, stream `<job id>/<job name>`). These three
//! read-only operations find and read them. As for IAM, the shapes are declared here and a test
//! checks each against the SDK's own types; requests and responses take the generic path
//! (awsJson 1.1, the same as cognito-idp). CloudWatch Logs spells members in camelCase
//! (`logGroupName`), and so do these functions' request maps, as in `aws logs`.

use aws_sdk_cloudwatchlogs::types::OrderBy;

use super::clients::Clients;
use super::exchange::Exchange;
use super::shape::OpFuture;
use super::shape::{Operation, Pagination, Shape, Ty};
use crate::shape;

static LOG_STREAM: Shape = shape!("LogStream" {
    "logStreamName": Ty::String; "creationTime": Ty::Long; "firstEventTimestamp": Ty::Long;
    "lastEventTimestamp": Ty::Long; "lastIngestionTime": Ty::Long;
    "uploadSequenceToken": Ty::String; "arn": Ty::String; "storedBytes": Ty::Long;
});
static FILTERED_LOG_EVENT: Shape = shape!("FilteredLogEvent" {
    "logStreamName": Ty::String; "timestamp": Ty::Long; "message": Ty::String;
    "ingestionTime": Ty::Long; "eventId": Ty::String;
});
static SEARCHED_LOG_STREAM: Shape = shape!("SearchedLogStream" {
    "logStreamName": Ty::String; "searchedCompletely": Ty::Boolean;
});
static OUTPUT_LOG_EVENT: Shape = shape!("OutputLogEvent" {
    "timestamp": Ty::Long; "message": Ty::String; "ingestionTime": Ty::Long;
});

fn order_by() -> &'static [&'static str] {
    OrderBy::values()
}

static DESCRIBE_LOG_STREAMS: Shape = shape!("DescribeLogStreamsRequest" {
    "logGroupName": Ty::String; "logGroupIdentifier": Ty::String;
    "logStreamNamePrefix": Ty::String; "orderBy": Ty::Enum(order_by);
    "descending": Ty::Boolean; "nextToken": Ty::String; "limit": Ty::Integer;
});
static DESCRIBE_LOG_STREAMS_OUT: Shape = shape!("DescribeLogStreamsResponse" {
    "logStreams": Ty::List(&Ty::Struct(&LOG_STREAM)); "nextToken": Ty::String;
});
static FILTER_LOG_EVENTS: Shape = shape!("FilterLogEventsRequest" {
    "logGroupName": Ty::String; "logGroupIdentifier": Ty::String;
    "logStreamNames": Ty::List(&Ty::String); "logStreamNamePrefix": Ty::String;
    "startTime": Ty::Long; "endTime": Ty::Long; "filterPattern": Ty::String;
    "nextToken": Ty::String; "limit": Ty::Integer; "startFromHead": Ty::Boolean;
    "interleaved": Ty::Boolean; "unmask": Ty::Boolean;
});
static FILTER_LOG_EVENTS_OUT: Shape = shape!("FilterLogEventsResponse" {
    "events": Ty::List(&Ty::Struct(&FILTERED_LOG_EVENT));
    "searchedLogStreams": Ty::List(&Ty::Struct(&SEARCHED_LOG_STREAM));
    "nextToken": Ty::String;
});
static GET_LOG_EVENTS: Shape = shape!("GetLogEventsRequest" {
    "logGroupName": Ty::String; "logGroupIdentifier": Ty::String;
    "logStreamName": Ty::String, required; "startTime": Ty::Long; "endTime": Ty::Long;
    "nextToken": Ty::String; "limit": Ty::Integer; "startFromHead": Ty::Boolean;
    "unmask": Ty::Boolean;
});
static GET_LOG_EVENTS_OUT: Shape = shape!("GetLogEventsResponse" {
    "events": Ty::List(&Ty::Struct(&OUTPUT_LOG_EVENT));
    "nextForwardToken": Ty::String; "nextBackwardToken": Ty::String;
});

static PAGE_STREAMS: Pagination = Pagination {
    input_token: "nextToken",
    output_token: "nextToken",
    items: Some("logStreams"),
    limit: Some("limit"),
    more: None,
};
static PAGE_EVENTS: Pagination = Pagination {
    input_token: "nextToken",
    output_token: "nextToken",
    items: Some("events"),
    limit: Some("limit"),
    more: None,
};

/// The three CloudWatch Logs operations, sorted by name. `get_log_events` answers one page:
/// its forward token never runs out (it repeats at the end of the stream), so it is not merged.
pub static OPERATIONS: &[Operation] = &[
    Operation {
        service: "logs",
        namespace: "logs",
        name: "describe_log_streams",
        api: "DescribeLogStreams",
        doc: "Lists the log streams of a log group.",
        input: &DESCRIBE_LOG_STREAMS,
        output: &DESCRIBE_LOG_STREAMS_OUT,
        pagination: Some(&PAGE_STREAMS),
        send: describe_log_streams,
    },
    Operation {
        service: "logs",
        namespace: "logs",
        name: "filter_log_events",
        api: "FilterLogEvents",
        doc: "Lists log events of a log group, optionally of some streams and matching a pattern.",
        input: &FILTER_LOG_EVENTS,
        output: &FILTER_LOG_EVENTS_OUT,
        pagination: Some(&PAGE_EVENTS),
        send: filter_log_events,
    },
    Operation {
        service: "logs",
        namespace: "logs",
        name: "get_log_events",
        api: "GetLogEvents",
        doc: "Lists log events of one log stream (one page).",
        input: &GET_LOG_EVENTS,
        output: &GET_LOG_EVENTS_OUT,
        pagination: None,
        send: get_log_events,
    },
];

macro_rules! send {
    ($fn:ident, $api:literal) => {
        fn $fn<'a>(clients: &'a Clients, exchange: &'a Exchange) -> OpFuture<'a> {
            Box::pin(async move {
                crate::send_raw!(
                    aws_sdk_cloudwatchlogs,
                    clients.logs().await,
                    $fn,
                    "logs",
                    $api,
                    exchange
                )
            })
        }
    };
}

send!(describe_log_streams, "DescribeLogStreams");
send!(filter_log_events, "FilterLogEvents");
send!(get_log_events, "GetLogEvents");

#[cfg(test)]
mod tests {
    //! The shapes above are written by hand: check each against the SDK's own types.
    use super::*;
    use crate::aws::shape::sdk_check::{ours, sdk_fields};
    use aws_sdk_cloudwatchlogs::operation;
    use aws_sdk_cloudwatchlogs::types;

    #[test]
    fn every_shape_matches_the_sdk() {
        let pairs: Vec<(&Shape, String)> = vec![
            (&LOG_STREAM, format!("{:?}", types::LogStream::builder())),
            (
                &FILTERED_LOG_EVENT,
                format!("{:?}", types::FilteredLogEvent::builder()),
            ),
            (
                &SEARCHED_LOG_STREAM,
                format!("{:?}", types::SearchedLogStream::builder()),
            ),
            (
                &OUTPUT_LOG_EVENT,
                format!("{:?}", types::OutputLogEvent::builder()),
            ),
            (
                &DESCRIBE_LOG_STREAMS,
                format!(
                    "{:?}",
                    operation::describe_log_streams::DescribeLogStreamsInput::builder()
                ),
            ),
            (
                &DESCRIBE_LOG_STREAMS_OUT,
                format!(
                    "{:?}",
                    operation::describe_log_streams::DescribeLogStreamsOutput::builder()
                ),
            ),
            (
                &FILTER_LOG_EVENTS,
                format!(
                    "{:?}",
                    operation::filter_log_events::FilterLogEventsInput::builder()
                ),
            ),
            (
                &FILTER_LOG_EVENTS_OUT,
                format!(
                    "{:?}",
                    operation::filter_log_events::FilterLogEventsOutput::builder()
                ),
            ),
            (
                &GET_LOG_EVENTS,
                format!(
                    "{:?}",
                    operation::get_log_events::GetLogEventsInput::builder()
                ),
            ),
            (
                &GET_LOG_EVENTS_OUT,
                format!(
                    "{:?}",
                    operation::get_log_events::GetLogEventsOutput::builder()
                ),
            ),
        ];
        for (shape, debug) in pairs {
            assert_eq!(
                ours(shape),
                sdk_fields(&debug),
                "{} differs from the SDK",
                shape.name
            );
        }
    }
}
