CREATE TABLE "cron_trigger_firings" (
	"trigger_id" uuid NOT NULL,
	"scheduled_at" timestamp with time zone NOT NULL,
	"work_order_id" uuid,
	"inserted_at" timestamp(6) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "cron_trigger_firings_trigger_id_scheduled_at_pk" PRIMARY KEY("trigger_id","scheduled_at")
);
--> statement-breakpoint
CREATE TABLE "webhook_idempotency_keys" (
	"trigger_id" uuid NOT NULL,
	"key" text NOT NULL,
	"work_order_id" uuid NOT NULL,
	"inserted_at" timestamp(6) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "webhook_idempotency_keys_trigger_id_key_pk" PRIMARY KEY("trigger_id","key")
);
--> statement-breakpoint
ALTER TABLE "cron_trigger_firings" ADD CONSTRAINT "cron_trigger_firings_trigger_id_triggers_id_fk" FOREIGN KEY ("trigger_id") REFERENCES "public"."triggers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cron_trigger_firings" ADD CONSTRAINT "cron_trigger_firings_work_order_id_work_orders_id_fk" FOREIGN KEY ("work_order_id") REFERENCES "public"."work_orders"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "webhook_idempotency_keys" ADD CONSTRAINT "webhook_idempotency_keys_trigger_id_triggers_id_fk" FOREIGN KEY ("trigger_id") REFERENCES "public"."triggers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "webhook_idempotency_keys" ADD CONSTRAINT "webhook_idempotency_keys_work_order_id_work_orders_id_fk" FOREIGN KEY ("work_order_id") REFERENCES "public"."work_orders"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "webhook_idempotency_keys_work_order_id_index" ON "webhook_idempotency_keys" USING btree ("work_order_id");