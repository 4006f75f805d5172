CREATE TABLE "project_repo_connections" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"project_id" uuid NOT NULL,
	"github_installation_id" text NOT NULL,
	"repo" text NOT NULL,
	"branch" text NOT NULL,
	"config_path" text,
	"sync_direction" text NOT NULL,
	"access_token_jti" uuid NOT NULL,
	"last_sync_to_github" jsonb,
	"last_deploy_from_github" jsonb,
	"last_verify" jsonb,
	"inserted_at" timestamp (6) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (6) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "project_repo_connections_sync_direction_check" CHECK (sync_direction IN ('deploy', 'pull'))
);
--> statement-breakpoint
ALTER TABLE "project_repo_connections" ADD CONSTRAINT "project_repo_connections_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "project_repo_connections_project_id_index" ON "project_repo_connections" USING btree ("project_id");