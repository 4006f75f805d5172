CREATE TABLE "metrics_snapshots" (
	"name" text PRIMARY KEY NOT NULL,
	"computed_at" timestamp (6) with time zone NOT NULL,
	"computed_by" text NOT NULL,
	"values" jsonb NOT NULL
);
--> statement-breakpoint
CREATE INDEX "runs_inserted_at_index" ON "runs" USING btree ("inserted_at");--> statement-breakpoint
CREATE INDEX "runs_finished_at_index" ON "runs" USING btree ("finished_at") WHERE finished_at IS NOT NULL;