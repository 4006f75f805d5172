CREATE TABLE "project_digest_deliveries" (
	"user_id" uuid NOT NULL,
	"project_id" uuid NOT NULL,
	"digest" text NOT NULL,
	"period_end" timestamp(6) with time zone NOT NULL,
	"inserted_at" timestamp(6) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "project_digest_deliveries_user_id_project_id_digest_period_end_pk" PRIMARY KEY("user_id","project_id","digest","period_end")
);
--> statement-breakpoint
ALTER TABLE "project_digest_deliveries" ADD CONSTRAINT "project_digest_deliveries_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "project_digest_deliveries" ADD CONSTRAINT "project_digest_deliveries_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "project_digest_deliveries_project_id_index" ON "project_digest_deliveries" USING btree ("project_id");