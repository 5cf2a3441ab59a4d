//! Recording bulk reads of personal data in the access log, from the request that read.

use actix_web::{HttpRequest, web};

use super::headers::REQUEST_ID;
use crate::domain::access_log::{self, AccessKind, BulkRead};
use crate::error::AppResult;
use crate::startup::AppState;

fn bulk_read(req: &HttpRequest, actor: String, kind: AccessKind, records: usize) -> BulkRead {
    BulkRead {
        actor,
        kind,
        resource: req.path().chars().take(500).collect(),
        records,
        request_id: req
            .headers()
            .get(&REQUEST_ID)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string),
    }
}

/// Records a read whose size is known before it is answered; no answer without its entry.
pub async fn record(
    state: &AppState,
    req: &HttpRequest,
    actor: String,
    kind: AccessKind,
    records: usize,
) -> AppResult<()> {
    let mut conn = state.conn().await?;
    access_log::record(&mut conn, bulk_read(req, actor, kind, records)).await?;
    Ok(())
}

/// For a streamed export: records the read once it is known how many rows went out.
pub fn record_when_sent(
    state: web::Data<AppState>,
    req: &HttpRequest,
    actor: String,
    kind: AccessKind,
) -> impl FnOnce(usize) + 'static {
    let read = bulk_read(req, actor, kind, 0);
    move |records| {
        let read = BulkRead { records, ..read };
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            log::error!("access log: no runtime to record {read:?}");
            return;
        };
        runtime.spawn(async move {
            let recorded = match state.conn().await {
                Ok(mut conn) => access_log::record(&mut conn, read.clone())
                    .await
                    .map_err(|e| e.to_string()),
                Err(e) => Err(e.detail.to_string()),
            };
            if let Err(e) = recorded {
                log::error!("access log: {read:?} not recorded: {e}");
            }
        });
    }
}
