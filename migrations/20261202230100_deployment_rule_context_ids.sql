-- Purpose: one name per deployment everywhere. Rule verdicts on a deployment used its bare id as
-- `context_id` ('42') while its `deployment_events` rows say 'deployment:42'; from now on both say
-- 'deployment:<id>' (src/rules/context.rs), so a verdict joins its deployment by equality.
-- Tables touched: metrics.rule_compliance_events (context_id of deployment verdicts).
--
-- Only bare numeric ids are rewritten, so the migration can run twice. A verdict already stored
-- under the new name for the same rule wins (first row wins), the old one is deleted.

-- DESTRUCTIVE: drops an old verdict whose rewritten key is already taken.
delete from metrics.rule_compliance_events old
 where old.context_type = 'deployment'
   and old.context_id ~ '^\d+$'
   and exists (select 1 from metrics.rule_compliance_events new
                where new.repository = old.repository and new.rule_name = old.rule_name
                  and new.context_type = 'deployment'
                  and new.context_id = 'deployment:' || old.context_id);

update metrics.rule_compliance_events
   set context_id = 'deployment:' || context_id
 where context_type = 'deployment'
   and context_id ~ '^\d+$';
