"""The statements several modules of the library share: the rows written behind (the
summary recognises them in a batch, by identity) and the fragment that matches a JSON list."""

from __future__ import annotations

_IN_SET = "IN (SELECT value FROM json_each(?))"

_INSERT_ASSET = (
    "INSERT INTO assets(sha256, kind, mime, size, relpath, width, height, duration_s,"
    " text_excerpt, content, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)"
    " ON CONFLICT(sha256) DO UPDATE SET relpath=excluded.relpath,"
    " content=COALESCE(excluded.content, assets.content)"
)
_INSERT_RESULT = (
    "INSERT INTO results(id, cache_key, run_id, graph_id, graph_path, node_id, node_type,"
    " node_title, item, model, provider, params_json, prompt, inputs_json, outputs_json,"
    " job_id, cost_usd, cost_source, queue_s, run_s, finished_at, origin)"
    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
)
_INSERT_RESULT_ASSET = (
    "INSERT OR IGNORE INTO result_assets(result_id, port, idx, sha256) VALUES (?,?,?,?)"
)
