ALTER TABLE "failure_alert_queue" ADD COLUMN "sent_at" timestamp(6) with time zone;--> statement-breakpoint
CREATE INDEX "failure_alert_queue_pending_index" ON "failure_alert_queue" USING btree ("user_id","project_id") WHERE claimed_at IS NULL;--> statement-breakpoint
CREATE INDEX "failure_alert_queue_sent_at_index" ON "failure_alert_queue" USING btree ("sent_at") WHERE sent_at IS NOT NULL;