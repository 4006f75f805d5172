CREATE TABLE "usage_tracking_configuration" (
	"id" integer PRIMARY KEY DEFAULT 1 NOT NULL,
	"instance_id" uuid NOT NULL,
	"start_reporting_after" text NOT NULL,
	"inserted_at" timestamp (6) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "usage_tracking_configuration_single_row" CHECK ("usage_tracking_configuration"."id" = 1)
);
--> statement-breakpoint
CREATE TABLE "usage_tracking_reports" (
	"report_date" text PRIMARY KEY NOT NULL,
	"data" jsonb NOT NULL,
	"submitted" boolean DEFAULT false NOT NULL,
	"submitted_at" timestamp (6) with time zone,
	"attempts" integer DEFAULT 0 NOT NULL,
	"lease_until" timestamp (6) with time zone,
	"inserted_at" timestamp (6) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "usage_tracking_reports_unsubmitted_index" ON "usage_tracking_reports" USING btree ("report_date") WHERE NOT submitted;