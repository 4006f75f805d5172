ALTER TABLE "audit_events" ADD COLUMN "project_id" uuid;--> statement-breakpoint
CREATE INDEX "audit_events_inserted_at_id_index" ON "audit_events" USING btree ("inserted_at","id");--> statement-breakpoint
CREATE INDEX "audit_events_project_id_inserted_at_id_index" ON "audit_events" USING btree ("project_id","inserted_at","id");