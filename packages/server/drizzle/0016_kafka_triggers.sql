CREATE TABLE "trigger_kafka_message_records" (
	"trigger_id" uuid NOT NULL,
	"topic_partition_offset" text NOT NULL,
	"work_order_id" uuid,
	"inserted_at" timestamp (6) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "trigger_kafka_message_records_trigger_id_topic_partition_offset_pk" PRIMARY KEY("trigger_id","topic_partition_offset")
);
--> statement-breakpoint
ALTER TABLE "triggers" ADD COLUMN "kafka_username" "bytea";--> statement-breakpoint
ALTER TABLE "triggers" ADD COLUMN "kafka_password" "bytea";--> statement-breakpoint
ALTER TABLE "trigger_kafka_message_records" ADD CONSTRAINT "trigger_kafka_message_records_trigger_id_triggers_id_fk" FOREIGN KEY ("trigger_id") REFERENCES "public"."triggers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "trigger_kafka_message_records" ADD CONSTRAINT "trigger_kafka_message_records_work_order_id_work_orders_id_fk" FOREIGN KEY ("work_order_id") REFERENCES "public"."work_orders"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "trigger_kafka_message_records_inserted_at_index" ON "trigger_kafka_message_records" USING btree ("inserted_at");--> statement-breakpoint
CREATE INDEX "trigger_kafka_message_records_work_order_id_index" ON "trigger_kafka_message_records" USING btree ("work_order_id");