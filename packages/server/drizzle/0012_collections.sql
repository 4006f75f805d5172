CREATE TABLE "collections_items" (
	"id" bigserial NOT NULL,
	"collection_id" uuid NOT NULL,
	"key" text NOT NULL,
	"value" text NOT NULL,
	"inserted_at" timestamp(6) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp(6) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "collections_items_collection_id_key_pk" PRIMARY KEY("collection_id","key")
);
--> statement-breakpoint
CREATE TABLE "collections" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"project_id" uuid NOT NULL,
	"name" text NOT NULL,
	"byte_size_sum" bigint DEFAULT 0 NOT NULL,
	"inserted_at" timestamp(6) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp(6) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "collections_items" ADD CONSTRAINT "collections_items_collection_id_collections_id_fk" FOREIGN KEY ("collection_id") REFERENCES "public"."collections"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "collections" ADD CONSTRAINT "collections_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "collections_items_collection_id_id_index" ON "collections_items" USING btree ("collection_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "collections_name_index" ON "collections" USING btree ("name");--> statement-breakpoint
CREATE INDEX "collections_project_id_index" ON "collections" USING btree ("project_id");