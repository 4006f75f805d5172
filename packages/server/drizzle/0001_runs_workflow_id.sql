-- The claim groups runs by workflow (fairness, concurrency); copying the work order's workflow onto
-- each run spares a join per candidate. Existing runs are backfilled before the column is required.
ALTER TABLE "runs" ADD COLUMN "workflow_id" uuid;--> statement-breakpoint
UPDATE "runs" SET "workflow_id" = "work_orders"."workflow_id" FROM "work_orders" WHERE "work_orders"."id" = "runs"."work_order_id";--> statement-breakpoint
ALTER TABLE "runs" ALTER COLUMN "workflow_id" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "runs" ADD CONSTRAINT "runs_workflow_id_workflows_id_fk" FOREIGN KEY ("workflow_id") REFERENCES "public"."workflows"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "runs_available_queue_index" ON "runs" USING btree ("queue","priority","inserted_at") WHERE state = 'available';--> statement-breakpoint
CREATE INDEX "runs_available_workflow_index" ON "runs" USING btree ("workflow_id","inserted_at","id") WHERE state = 'available';
