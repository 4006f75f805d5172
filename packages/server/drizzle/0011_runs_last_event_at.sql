ALTER TABLE "runs" ADD COLUMN "last_event_at" timestamp(6) with time zone;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "lost_at" timestamp(6) with time zone;