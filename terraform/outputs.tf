output "completion_topic" {
  description = "Pub/Sub topic of completion messages."
  value       = google_pubsub_topic.completions.id
}

output "deploy_bucket" {
  description = "Bucket of build sources."
  value       = google_storage_bucket.deploy.name
}

output "image" {
  description = "Job image the job runs."
  value       = local.image
}

output "input_bucket" {
  description = "Where sessions go: gs://<bucket>/sessions/<name>/, then _READY."
  value       = google_storage_bucket.input.name
}

output "job_name" {
  description = "The Cloud Run job."
  value       = google_cloud_run_v2_job.transcribe.name
}

output "mailer_function" {
  description = "The mailer Cloud Function."
  value       = google_cloudfunctions2_function.mailer.name
}

output "output_bucket" {
  description = "Where transcripts land: gs://<bucket>/sessions/<name>/<run id>/."
  value       = google_storage_bucket.output.name
}

output "smtp_password_secret" {
  description = "Secret Manager secret holding the SMTP password (value added outside Terraform)."
  value       = google_secret_manager_secret.smtp_password.secret_id
}

output "trigger_function" {
  description = "The trigger Cloud Function."
  value       = google_cloudfunctions2_function.trigger.name
}

output "upload_example" {
  description = "How to send a session."
  value       = "make upload SESSION=2024-05-12 DIR=path/to/recordings   (or gcloud storage rsync DIR gs://${google_storage_bucket.input.name}/sessions/2024-05-12/ then upload an empty _READY)"
}
