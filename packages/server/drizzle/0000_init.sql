CREATE TABLE "audit_events" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"event" text NOT NULL,
	"item_type" text NOT NULL,
	"item_id" uuid NOT NULL,
	"actor_id" uuid,
	"actor_type" text,
	"changes" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"inserted_at" timestamp(6) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "credentials" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"name" text NOT NULL,
	"schema" text NOT NULL,
	"body" "bytea" NOT NULL,
	"production" boolean DEFAULT false NOT NULL,
	"transfer_status" text,
	"scheduled_deletion" timestamp (0) with time zone,
	"inserted_at" timestamp(6) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp(6) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "dataclips" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"project_id" uuid NOT NULL,
	"type" text NOT NULL,
	"body" jsonb,
	"request" jsonb,
	"name" text,
	"wiped_at" timestamp(6) with time zone,
	"inserted_at" timestamp(6) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp(6) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "dataclips_type_check" CHECK (type IN ('http_request', 'global', 'step_result', 'saved_input', 'kafka'))
);
--> statement-breakpoint
CREATE TABLE "jobs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"workflow_id" uuid NOT NULL,
	"name" text NOT NULL,
	"body" text DEFAULT '' NOT NULL,
	"adaptor" text DEFAULT '@openfn/language-common@latest' NOT NULL,
	"project_credential_id" uuid,
	"inserted_at" timestamp(6) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp(6) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "log_lines" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"run_id" uuid NOT NULL,
	"step_id" uuid,
	"source" text,
	"level" text DEFAULT 'info' NOT NULL,
	"message" text NOT NULL,
	"timestamp" timestamp(6) with time zone NOT NULL,
	CONSTRAINT "log_lines_level_check" CHECK (level IN ('debug', 'info', 'success', 'warn', 'error', 'always'))
);
--> statement-breakpoint
CREATE TABLE "project_credentials" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"project_id" uuid NOT NULL,
	"credential_id" uuid NOT NULL,
	"inserted_at" timestamp(6) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "project_users" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"project_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"role" text NOT NULL,
	"failure_alert" boolean DEFAULT false NOT NULL,
	"digest" text DEFAULT 'never' NOT NULL,
	"inserted_at" timestamp(6) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp(6) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "project_users_role_check" CHECK (role IN ('viewer', 'editor', 'admin', 'owner'))
);
--> statement-breakpoint
CREATE TABLE "projects" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"description" text,
	"concurrency" integer,
	"retention_policy" text DEFAULT 'retain_all' NOT NULL,
	"history_retention_period" integer,
	"dataclip_retention_period" integer,
	"requires_mfa" boolean DEFAULT false NOT NULL,
	"allow_support_access" boolean DEFAULT false NOT NULL,
	"scheduled_deletion" timestamp (0) with time zone,
	"inserted_at" timestamp(6) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp(6) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "projects_retention_policy_check" CHECK (retention_policy IN ('retain_all', 'retain_with_errors', 'erase_all')),
	CONSTRAINT "projects_concurrency_check" CHECK ("projects"."concurrency" IS NULL OR "projects"."concurrency" >= 1)
);
--> statement-breakpoint
CREATE TABLE "run_steps" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"run_id" uuid NOT NULL,
	"step_id" uuid NOT NULL,
	"inserted_at" timestamp(6) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "runs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"work_order_id" uuid NOT NULL,
	"snapshot_id" uuid NOT NULL,
	"starting_trigger_id" uuid,
	"starting_job_id" uuid,
	"created_by_id" uuid,
	"dataclip_id" uuid,
	"state" text DEFAULT 'available' NOT NULL,
	"error_type" text,
	"priority" integer DEFAULT 1 NOT NULL,
	"queue" text DEFAULT 'default' NOT NULL,
	"options" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"worker_name" text,
	"claimed_at" timestamp(6) with time zone,
	"started_at" timestamp(6) with time zone,
	"finished_at" timestamp(6) with time zone,
	"inserted_at" timestamp(6) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "runs_state_check" CHECK (state IN ('available', 'claimed', 'started', 'success', 'failed', 'crashed', 'cancelled', 'killed', 'exception', 'lost')),
	CONSTRAINT "runs_starting_node_check" CHECK (("runs"."starting_trigger_id" IS NULL) <> ("runs"."starting_job_id" IS NULL))
);
--> statement-breakpoint
CREATE TABLE "steps" (
	"id" uuid PRIMARY KEY NOT NULL,
	"job_id" uuid NOT NULL,
	"snapshot_id" uuid,
	"credential_id" uuid,
	"input_dataclip_id" uuid,
	"output_dataclip_id" uuid,
	"exit_reason" text,
	"error_type" text,
	"error_message" text,
	"started_at" timestamp(6) with time zone,
	"finished_at" timestamp(6) with time zone,
	"inserted_at" timestamp(6) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "steps_exit_reason_check" CHECK (exit_reason IS NULL OR exit_reason IN ('success', 'fail', 'crash', 'cancel', 'kill', 'exception', 'lost'))
);
--> statement-breakpoint
CREATE TABLE "trigger_webhook_auth_methods" (
	"trigger_id" uuid NOT NULL,
	"webhook_auth_method_id" uuid NOT NULL,
	CONSTRAINT "trigger_webhook_auth_methods_trigger_id_webhook_auth_method_id_pk" PRIMARY KEY("trigger_id","webhook_auth_method_id")
);
--> statement-breakpoint
CREATE TABLE "triggers" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"workflow_id" uuid NOT NULL,
	"type" text DEFAULT 'webhook' NOT NULL,
	"enabled" boolean DEFAULT false NOT NULL,
	"comment" text,
	"custom_path" text,
	"cron_expression" text,
	"webhook_reply" text DEFAULT 'before_start' NOT NULL,
	"kafka_configuration" jsonb,
	"inserted_at" timestamp(6) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp(6) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "triggers_type_check" CHECK (type IN ('webhook', 'cron', 'kafka')),
	CONSTRAINT "triggers_webhook_reply_check" CHECK (webhook_reply IN ('before_start', 'after_completion', 'custom'))
);
--> statement-breakpoint
CREATE TABLE "user_backup_codes" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"code" "bytea" NOT NULL,
	"used_at" timestamp(6) with time zone,
	"inserted_at" timestamp(6) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "user_tokens" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"token_hash" "bytea" NOT NULL,
	"context" text NOT NULL,
	"sent_to" text,
	"last_used_at" timestamp(6) with time zone,
	"inserted_at" timestamp(6) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "user_totps" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"secret" "bytea" NOT NULL,
	"inserted_at" timestamp(6) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp(6) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "user_totps_user_id_unique" UNIQUE("user_id")
);
--> statement-breakpoint
CREATE TABLE "users" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"first_name" text NOT NULL,
	"last_name" text DEFAULT '' NOT NULL,
	"email" text NOT NULL,
	"hashed_password" text,
	"role" text DEFAULT 'user' NOT NULL,
	"confirmed_at" timestamp (0) with time zone,
	"disabled" boolean DEFAULT false NOT NULL,
	"support_user" boolean DEFAULT false NOT NULL,
	"mfa_enabled" boolean DEFAULT false NOT NULL,
	"contact_preference" text DEFAULT 'critical' NOT NULL,
	"preferences" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"github_oauth_token" "bytea",
	"scheduled_deletion" timestamp (0) with time zone,
	"inserted_at" timestamp(6) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp(6) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "users_role_check" CHECK (role IN ('user', 'superuser'))
);
--> statement-breakpoint
CREATE TABLE "webhook_auth_methods" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"project_id" uuid NOT NULL,
	"name" text NOT NULL,
	"auth_type" text NOT NULL,
	"username" "bytea",
	"password" "bytea",
	"api_key" "bytea",
	"scheduled_deletion" timestamp (0) with time zone,
	"inserted_at" timestamp(6) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp(6) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "webhook_auth_methods_auth_type_check" CHECK (auth_type IN ('basic', 'api'))
);
--> statement-breakpoint
CREATE TABLE "work_orders" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"workflow_id" uuid NOT NULL,
	"snapshot_id" uuid,
	"trigger_id" uuid,
	"dataclip_id" uuid,
	"state" text DEFAULT 'pending' NOT NULL,
	"last_activity" timestamp(6) with time zone DEFAULT now() NOT NULL,
	"inserted_at" timestamp(6) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp(6) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "work_orders_state_check" CHECK (state IN ('rejected', 'pending', 'running', 'success', 'failed', 'crashed', 'cancelled', 'killed', 'exception', 'lost'))
);
--> statement-breakpoint
CREATE TABLE "workflow_edges" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"workflow_id" uuid NOT NULL,
	"source_job_id" uuid,
	"source_trigger_id" uuid,
	"target_job_id" uuid NOT NULL,
	"condition_type" text DEFAULT 'always' NOT NULL,
	"condition_expression" text,
	"condition_label" text,
	"enabled" boolean DEFAULT true NOT NULL,
	"inserted_at" timestamp(6) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp(6) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "workflow_edges_condition_type_check" CHECK (condition_type IN ('always', 'on_job_success', 'on_job_failure', 'js_expression')),
	CONSTRAINT "workflow_edges_one_source_check" CHECK (("workflow_edges"."source_job_id" IS NULL) <> ("workflow_edges"."source_trigger_id" IS NULL)),
	CONSTRAINT "workflow_edges_no_self_loop_check" CHECK ("workflow_edges"."source_job_id" IS NULL OR "workflow_edges"."source_job_id" <> "workflow_edges"."target_job_id")
);
--> statement-breakpoint
CREATE TABLE "workflow_snapshots" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"workflow_id" uuid NOT NULL,
	"name" text NOT NULL,
	"lock_version" integer NOT NULL,
	"jobs" jsonb NOT NULL,
	"triggers" jsonb NOT NULL,
	"edges" jsonb NOT NULL,
	"inserted_at" timestamp(6) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "workflows" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"project_id" uuid NOT NULL,
	"name" text NOT NULL,
	"concurrency" integer,
	"enable_job_logs" boolean DEFAULT true NOT NULL,
	"positions" jsonb,
	"lock_version" integer DEFAULT 0 NOT NULL,
	"deleted_at" timestamp (0) with time zone,
	"inserted_at" timestamp(6) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp(6) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "workflows_concurrency_check" CHECK ("workflows"."concurrency" IS NULL OR "workflows"."concurrency" >= 1)
);
--> statement-breakpoint
ALTER TABLE "credentials" ADD CONSTRAINT "credentials_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "dataclips" ADD CONSTRAINT "dataclips_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "jobs" ADD CONSTRAINT "jobs_workflow_id_workflows_id_fk" FOREIGN KEY ("workflow_id") REFERENCES "public"."workflows"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "jobs" ADD CONSTRAINT "jobs_project_credential_id_project_credentials_id_fk" FOREIGN KEY ("project_credential_id") REFERENCES "public"."project_credentials"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "log_lines" ADD CONSTRAINT "log_lines_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "project_credentials" ADD CONSTRAINT "project_credentials_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "project_credentials" ADD CONSTRAINT "project_credentials_credential_id_credentials_id_fk" FOREIGN KEY ("credential_id") REFERENCES "public"."credentials"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "project_users" ADD CONSTRAINT "project_users_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "project_users" ADD CONSTRAINT "project_users_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "run_steps" ADD CONSTRAINT "run_steps_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "run_steps" ADD CONSTRAINT "run_steps_step_id_steps_id_fk" FOREIGN KEY ("step_id") REFERENCES "public"."steps"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "runs" ADD CONSTRAINT "runs_work_order_id_work_orders_id_fk" FOREIGN KEY ("work_order_id") REFERENCES "public"."work_orders"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "runs" ADD CONSTRAINT "runs_snapshot_id_workflow_snapshots_id_fk" FOREIGN KEY ("snapshot_id") REFERENCES "public"."workflow_snapshots"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "runs" ADD CONSTRAINT "runs_starting_trigger_id_triggers_id_fk" FOREIGN KEY ("starting_trigger_id") REFERENCES "public"."triggers"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "runs" ADD CONSTRAINT "runs_starting_job_id_jobs_id_fk" FOREIGN KEY ("starting_job_id") REFERENCES "public"."jobs"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "runs" ADD CONSTRAINT "runs_created_by_id_users_id_fk" FOREIGN KEY ("created_by_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "runs" ADD CONSTRAINT "runs_dataclip_id_dataclips_id_fk" FOREIGN KEY ("dataclip_id") REFERENCES "public"."dataclips"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "steps" ADD CONSTRAINT "steps_snapshot_id_workflow_snapshots_id_fk" FOREIGN KEY ("snapshot_id") REFERENCES "public"."workflow_snapshots"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "steps" ADD CONSTRAINT "steps_input_dataclip_id_dataclips_id_fk" FOREIGN KEY ("input_dataclip_id") REFERENCES "public"."dataclips"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "steps" ADD CONSTRAINT "steps_output_dataclip_id_dataclips_id_fk" FOREIGN KEY ("output_dataclip_id") REFERENCES "public"."dataclips"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "trigger_webhook_auth_methods" ADD CONSTRAINT "trigger_webhook_auth_methods_trigger_id_triggers_id_fk" FOREIGN KEY ("trigger_id") REFERENCES "public"."triggers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "trigger_webhook_auth_methods" ADD CONSTRAINT "trigger_webhook_auth_methods_webhook_auth_method_id_webhook_auth_methods_id_fk" FOREIGN KEY ("webhook_auth_method_id") REFERENCES "public"."webhook_auth_methods"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "triggers" ADD CONSTRAINT "triggers_workflow_id_workflows_id_fk" FOREIGN KEY ("workflow_id") REFERENCES "public"."workflows"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "user_backup_codes" ADD CONSTRAINT "user_backup_codes_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "user_tokens" ADD CONSTRAINT "user_tokens_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "user_totps" ADD CONSTRAINT "user_totps_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "webhook_auth_methods" ADD CONSTRAINT "webhook_auth_methods_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "work_orders" ADD CONSTRAINT "work_orders_workflow_id_workflows_id_fk" FOREIGN KEY ("workflow_id") REFERENCES "public"."workflows"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "work_orders" ADD CONSTRAINT "work_orders_snapshot_id_workflow_snapshots_id_fk" FOREIGN KEY ("snapshot_id") REFERENCES "public"."workflow_snapshots"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "work_orders" ADD CONSTRAINT "work_orders_trigger_id_triggers_id_fk" FOREIGN KEY ("trigger_id") REFERENCES "public"."triggers"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "work_orders" ADD CONSTRAINT "work_orders_dataclip_id_dataclips_id_fk" FOREIGN KEY ("dataclip_id") REFERENCES "public"."dataclips"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workflow_edges" ADD CONSTRAINT "workflow_edges_workflow_id_workflows_id_fk" FOREIGN KEY ("workflow_id") REFERENCES "public"."workflows"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workflow_edges" ADD CONSTRAINT "workflow_edges_source_job_id_jobs_id_fk" FOREIGN KEY ("source_job_id") REFERENCES "public"."jobs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workflow_edges" ADD CONSTRAINT "workflow_edges_source_trigger_id_triggers_id_fk" FOREIGN KEY ("source_trigger_id") REFERENCES "public"."triggers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workflow_edges" ADD CONSTRAINT "workflow_edges_target_job_id_jobs_id_fk" FOREIGN KEY ("target_job_id") REFERENCES "public"."jobs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workflow_snapshots" ADD CONSTRAINT "workflow_snapshots_workflow_id_workflows_id_fk" FOREIGN KEY ("workflow_id") REFERENCES "public"."workflows"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workflows" ADD CONSTRAINT "workflows_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "audit_events_item_index" ON "audit_events" USING btree ("item_type","item_id");--> statement-breakpoint
CREATE UNIQUE INDEX "credentials_user_id_name_index" ON "credentials" USING btree ("user_id","name");--> statement-breakpoint
CREATE INDEX "dataclips_project_id_inserted_at_index" ON "dataclips" USING btree ("project_id","inserted_at");--> statement-breakpoint
CREATE UNIQUE INDEX "jobs_workflow_id_name_index" ON "jobs" USING btree ("workflow_id","name");--> statement-breakpoint
CREATE INDEX "log_lines_run_id_timestamp_index" ON "log_lines" USING btree ("run_id","timestamp");--> statement-breakpoint
CREATE UNIQUE INDEX "project_credentials_project_id_credential_id_index" ON "project_credentials" USING btree ("project_id","credential_id");--> statement-breakpoint
CREATE UNIQUE INDEX "project_users_project_id_user_id_index" ON "project_users" USING btree ("project_id","user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "project_users_one_owner_index" ON "project_users" USING btree ("project_id") WHERE role = 'owner';--> statement-breakpoint
CREATE INDEX "project_users_user_id_index" ON "project_users" USING btree ("user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "run_steps_run_id_step_id_index" ON "run_steps" USING btree ("run_id","step_id");--> statement-breakpoint
CREATE INDEX "runs_available_index" ON "runs" USING btree ("priority","inserted_at") WHERE state = 'available';--> statement-breakpoint
CREATE INDEX "runs_work_order_id_index" ON "runs" USING btree ("work_order_id");--> statement-breakpoint
CREATE INDEX "runs_in_flight_index" ON "runs" USING btree ("state","claimed_at") WHERE state IN ('claimed', 'started');--> statement-breakpoint
CREATE INDEX "steps_job_id_index" ON "steps" USING btree ("job_id");--> statement-breakpoint
CREATE INDEX "triggers_workflow_id_index" ON "triggers" USING btree ("workflow_id");--> statement-breakpoint
CREATE INDEX "user_backup_codes_user_id_index" ON "user_backup_codes" USING btree ("user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "user_tokens_context_token_index" ON "user_tokens" USING btree ("context","token_hash");--> statement-breakpoint
CREATE INDEX "user_tokens_user_id_index" ON "user_tokens" USING btree ("user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "users_email_index" ON "users" USING btree (lower("email"));--> statement-breakpoint
CREATE UNIQUE INDEX "webhook_auth_methods_project_id_name_index" ON "webhook_auth_methods" USING btree ("project_id","name");--> statement-breakpoint
CREATE INDEX "work_orders_workflow_id_last_activity_index" ON "work_orders" USING btree ("workflow_id","last_activity");--> statement-breakpoint
CREATE INDEX "work_orders_workflow_id_state_index" ON "work_orders" USING btree ("workflow_id","state");--> statement-breakpoint
CREATE INDEX "workflow_edges_workflow_id_index" ON "workflow_edges" USING btree ("workflow_id");--> statement-breakpoint
CREATE UNIQUE INDEX "workflow_snapshots_workflow_id_lock_version_index" ON "workflow_snapshots" USING btree ("workflow_id","lock_version");--> statement-breakpoint
CREATE UNIQUE INDEX "workflows_project_id_name_index" ON "workflows" USING btree ("project_id","name");