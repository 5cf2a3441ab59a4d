//! Recording bulk reads of personal data in the access log, from the request that read.

use actix_web::{HttpRequest, web};

use super::headers::REQUEST_ID;
use crate::api::state::{AppState, request_scope, within};
use crate::domain::access_log::{self, AccessKind, BulkRead};
use crate::error::AppResult;

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

/// For a streamed export: records the read before the first byte goes out (no export
/// without its entry), and returns what sets its number of records once the stream ended.
pub async fn record_stream(
    state: web::Data<AppState>,
    req: &HttpRequest,
    actor: String,
    kind: AccessKind,
) -> AppResult<impl FnOnce(usize) + 'static> {
    let id = {
        let mut conn = state.conn().await?;
        access_log::record(&mut conn, bulk_read(req, actor, kind, 0)).await?
    };
    let scope = request_scope();
    Ok(move |records| {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            log::error!("access log: no runtime to count entry {id} ({records} records)");
            return;
        };
        runtime.spawn(within(scope, async move {
            let counted = match state.conn().await {
                Ok(mut conn) => access_log::set_records(&mut conn, id, records)
                    .await
                    .map_err(|e| e.to_string()),
                Err(e) => Err(e.detail.to_string()),
            };
            if let Err(e) = counted {
                log::error!("access log: entry {id} left without its {records} records: {e}");
            }
        }));
    })
}
