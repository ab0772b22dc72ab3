-- Argo CD health check for the scidata.io kinds (DataPlatform, CatalogEntry,
-- SubmissionPolicy, Submission, AccessRequest). It reads the kstatus conditions the
-- operator writes, as Flux does:
--   Stalled True                          -> Degraded (a person must act)
--   status not yet written, or
--   observedGeneration behind generation  -> Progressing
--   Ready True                            -> Healthy
--   otherwise                             -> Progressing (Reconciling)
-- The message is the operator's own: what is missing, or what to change.
local hs = { status = "Progressing", message = "waiting for the operator to reconcile" }
if obj.status == nil or obj.status.conditions == nil then
  return hs
end
local generation = obj.metadata.generation or 0
local observed = obj.status.observedGeneration or -1
local ready, stalled, reconciling
for _, c in ipairs(obj.status.conditions) do
  if c.type == "Ready" then ready = c end
  if c.type == "Stalled" then stalled = c end
  if c.type == "Reconciling" then reconciling = c end
end
if stalled ~= nil and stalled.status == "True" then
  hs.status = "Degraded"
  hs.message = (stalled.reason or "Stalled") .. ": " .. (stalled.message or "")
  return hs
end
if observed < generation then
  hs.message = "the operator has not yet seen generation " .. generation
  return hs
end
if ready ~= nil and ready.status == "True" then
  hs.status = "Healthy"
  hs.message = ready.message or ""
  return hs
end
local waiting = reconciling or ready
if waiting ~= nil then
  hs.message = (waiting.reason or "Reconciling") .. ": " .. (waiting.message or "")
end
return hs
