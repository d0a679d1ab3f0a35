# The job (and the trigger, for refused sessions) publish one completion message per run; the mailer subscribes
# through its Eventarc trigger.
resource "google_pubsub_topic" "completions" {
  name = "jdr-completions"

  depends_on = [google_project_service.enabled]
}
