# The two Cloud Functions (2nd gen). Their source is the compiled code staged by `make functions-source` (dist/lib and
# dist/functions plus a package.json listing only what they import), zipped here and uploaded under a name that
# changes with its content, so that a code change redeploys them and nothing else does.
locals {
  trigger_env = {
    JOB_NAME           = google_cloud_run_v2_job.transcribe.id
    INPUT_BUCKET       = google_storage_bucket.input.name
    OUTPUT_BUCKET      = google_storage_bucket.output.name
    COMPLETION_TOPIC   = google_pubsub_topic.completions.id
    EMAIL_TO           = join(",", var.default_email_to)
    ALLOWED_RECIPIENTS = join(",", var.allowed_recipients)
    MAX_PARALLEL_TASKS = tostring(var.max_parallel_tasks)
  }

  mailer_env = {
    OUTPUT_BUCKET      = google_storage_bucket.output.name
    SMTP_HOST          = var.smtp_host
    SMTP_PORT          = tostring(var.smtp_port)
    SMTP_USER          = var.smtp_user
    EMAIL_FROM         = var.email_from
    EMAIL_TO           = join(",", var.default_email_to)
    ALLOWED_RECIPIENTS = join(",", var.allowed_recipients)
    EMAIL_LANG         = var.email_lang
    ATTACH_LIMIT_MB    = tostring(var.attach_limit_mb)
    SIGNED_URL_TTL     = var.signed_url_ttl
  }
}

data "archive_file" "functions" {
  type        = "zip"
  source_dir  = var.functions_source_dir
  output_path = "${path.module}/.terraform/functions-source.zip"
}

resource "google_storage_bucket_object" "functions_source" {
  name   = "functions/source-${data.archive_file.functions.output_md5}.zip"
  bucket = google_storage_bucket.deploy.name
  source = data.archive_file.functions.output_path
}

resource "google_cloudfunctions2_function" "trigger" {
  name        = "jdr-trigger"
  location    = var.region
  description = "sessions/<S>/_READY in the input bucket -> one transcription job execution"

  build_config {
    runtime           = var.functions_runtime
    entry_point       = "onSessionReady"
    service_account   = google_service_account.build.id
    docker_repository = google_artifact_registry_repository.images.id
    source {
      storage_source {
        bucket = google_storage_bucket.deploy.name
        object = google_storage_bucket_object.functions_source.name
      }
    }
  }

  service_config {
    service_account_email          = google_service_account.trigger.email
    available_memory               = "512M"
    timeout_seconds                = 120
    max_instance_count             = 5
    ingress_settings               = "ALLOW_INTERNAL_ONLY"
    all_traffic_on_latest_revision = true
    environment_variables          = local.trigger_env
  }

  event_trigger {
    event_type            = "google.cloud.storage.object.v1.finalized"
    trigger_region        = var.region
    retry_policy          = "RETRY_POLICY_RETRY"
    service_account_email = google_service_account.trigger.email
    event_filters {
      attribute = "bucket"
      value     = google_storage_bucket.input.name
    }
  }

  depends_on = [
    time_sleep.service_agents,
    google_artifact_registry_repository_iam_member.build_pushes_images,
    google_project_iam_member.build_writes_logs,
    google_project_iam_member.build_reads_function_sources,
    google_storage_bucket_iam_member.build_reads_deploy,
    google_project_iam_member.trigger_receives_events,
  ]
}

resource "google_cloudfunctions2_function" "mailer" {
  name        = "jdr-mailer"
  location    = var.region
  description = "completion message -> email with the transcript attached or linked"

  build_config {
    runtime           = var.functions_runtime
    entry_point       = "onTranscriptReady"
    service_account   = google_service_account.build.id
    docker_repository = google_artifact_registry_repository.images.id
    source {
      storage_source {
        bucket = google_storage_bucket.deploy.name
        object = google_storage_bucket_object.functions_source.name
      }
    }
  }

  service_config {
    service_account_email          = google_service_account.mailer.email
    available_memory               = "512M"
    timeout_seconds                = 300
    max_instance_count             = 5
    ingress_settings               = "ALLOW_INTERNAL_ONLY"
    all_traffic_on_latest_revision = true
    environment_variables          = local.mailer_env

    # Without an SMTP user the mailer sends unauthenticated (a relay that trusts the project); no secret then.
    dynamic "secret_environment_variables" {
      for_each = var.smtp_user != "" ? [google_secret_manager_secret.smtp_password.secret_id] : []
      content {
        key        = "SMTP_PASSWORD"
        project_id = var.project_id
        secret     = secret_environment_variables.value
        version    = "latest"
      }
    }
  }

  event_trigger {
    event_type            = "google.cloud.pubsub.topic.v1.messagePublished"
    pubsub_topic          = google_pubsub_topic.completions.id
    trigger_region        = var.region
    retry_policy          = "RETRY_POLICY_RETRY"
    service_account_email = google_service_account.mailer.email
  }

  depends_on = [
    time_sleep.service_agents,
    google_artifact_registry_repository_iam_member.build_pushes_images,
    google_project_iam_member.build_writes_logs,
    google_project_iam_member.build_reads_function_sources,
    google_storage_bucket_iam_member.build_reads_deploy,
    google_project_iam_member.mailer_receives_events,
    google_secret_manager_secret_iam_member.mailer_reads_smtp_password,
  ]
}
