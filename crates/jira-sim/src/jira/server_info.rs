//! `GET /serverInfo`: the version and deployment type of each flavour.

use serde_json::json;

use super::instance::Instance;
use crate::reply::Reply;

pub(super) fn server_info(jira: &Instance) -> Reply {
    let info = if jira.is_cloud() {
        json!({
            "baseUrl": jira.base_url,
            "version": "1001.0.0-SNAPSHOT",
            "versionNumbers": [1001, 0, 0],
            "deploymentType": "Cloud",
            "buildNumber": 100283,
            "buildDate": "2025-12-01T00:00:00.000+0000",
            "scmInfo": "57a0ca5b4a0bb0ac5f3fee4764acb1c14e4d7e71",
            "serverTitle": "Jira",
            "defaultLocale": {"locale": "en_US"},
            "serverTimeZone": "Etc/UTC",
        })
    } else {
        json!({
            "baseUrl": jira.base_url,
            "version": "9.12.15",
            "versionNumbers": [9, 12, 15],
            "deploymentType": "Server",
            "buildNumber": 9120015,
            "buildDate": "2024-10-01T00:00:00.000+0000",
            "scmInfo": "a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9",
            "serverTitle": "Jira Simulator",
        })
    };
    Reply::json(200, &info)
}
