CREATE TABLE "failure_alert_queue" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"project_id" uuid NOT NULL,
	"run_id" uuid NOT NULL,
	"workflow_id" uuid NOT NULL,
	"workflow_name" text NOT NULL,
	"run_state" text NOT NULL,
	"claimed_at" timestamp(6) with time zone,
	"inserted_at" timestamp(6) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "failure_alert_windows" (
	"user_id" uuid NOT NULL,
	"project_id" uuid NOT NULL,
	"last_sent_at" timestamp(6) with time zone NOT NULL,
	CONSTRAINT "failure_alert_windows_user_id_project_id_pk" PRIMARY KEY("user_id","project_id")
);
--> statement-breakpoint
CREATE TABLE "mail_messages" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"sender" text NOT NULL,
	"recipient" text NOT NULL,
	"subject" text NOT NULL,
	"text" text NOT NULL,
	"html" text,
	"inserted_at" timestamp(6) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "failure_alert_queue" ADD CONSTRAINT "failure_alert_queue_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "failure_alert_queue" ADD CONSTRAINT "failure_alert_queue_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "failure_alert_windows" ADD CONSTRAINT "failure_alert_windows_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "failure_alert_windows" ADD CONSTRAINT "failure_alert_windows_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "failure_alert_queue_user_id_run_id_index" ON "failure_alert_queue" USING btree ("user_id","run_id");--> statement-breakpoint
CREATE INDEX "failure_alert_queue_user_id_project_id_index" ON "failure_alert_queue" USING btree ("user_id","project_id");--> statement-breakpoint
CREATE INDEX "failure_alert_queue_project_id_index" ON "failure_alert_queue" USING btree ("project_id");--> statement-breakpoint
CREATE INDEX "failure_alert_windows_project_id_index" ON "failure_alert_windows" USING btree ("project_id");--> statement-breakpoint
CREATE INDEX "mail_messages_inserted_at_id_index" ON "mail_messages" USING btree ("inserted_at","id");