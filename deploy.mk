# Deployment to Google Cloud (included by the Makefile). Every target says what it is about to do before doing it.
#   make deploy                                   everything: Terraform, job image (Cloud Build), functions
#   make smtp-password                            store the SMTP (app) password in Secret Manager
#   make upload SESSION=2024-05-12 DIR=rec/       send a session (recordings, context, then _READY); RECAP=1 asks for its recap
#   make status SESSION=2024-05-12                claims, latest status.json, recent job executions
#   make logs [SESSION=…] [SINCE=1d]              logs of the job and both functions
#   make image                                    build and push the job image only
#   make destroy                                  delete everything Terraform created (recordings and transcripts too)
# Settings come from terraform/terraform.tfvars; PROJECT=… REGION=… WHISPER_MODEL=… on the command line override them.

TF_DIR := terraform
TF := terraform -chdir=$(TF_DIR)
TFVARS := $(TF_DIR)/terraform.tfvars
# The first `name = "value"` of terraform.tfvars (strings only).
tfvar = $(shell sed -n 's/^[[:space:]]*$(1)[[:space:]]*=[[:space:]]*"\([^"]*\)".*/\1/p' $(TFVARS) 2>/dev/null | head -n 1)

# Only the command line overrides terraform.tfvars (a PROJECT or REGION left in the environment by something else must not).
ifneq ($(origin PROJECT),command line)
PROJECT = $(call tfvar,project_id)
endif
ifneq ($(origin REGION),command line)
REGION = $(or $(call tfvar,region),europe-west1)
endif
ifneq ($(origin WHISPER_MODEL),command line)
WHISPER_MODEL = $(or $(call tfvar,whisper_model),large-v3-turbo)
endif
BUCKET_PREFIX = $(or $(call tfvar,bucket_prefix),$(PROJECT))

# Names fixed in terraform/*.tf (test/terraform/deploy-mk.test.ts keeps them in step).
REPOSITORY := jdr
JOB := jdr-transcribe
TRIGGER_FUNCTION := jdr-trigger
MAILER_FUNCTION := jdr-mailer
SMTP_SECRET := jdr-smtp-password
BUILD_ACCOUNT = jdr-build@$(PROJECT).iam.gserviceaccount.com
DEPLOY_BUCKET = $(BUCKET_PREFIX)-jdr-deploy
FUNCTIONS_SOURCE := .cache/functions-source

# The image tag is a hash of everything the image is built from, plus the model: an unchanged tree is never rebuilt.
IMAGE_INPUTS := Dockerfile .dockerignore cloudbuild.yaml package.json package-lock.json tsconfig.json tsconfig.build.json \
  scripts/build-whisper.sh scripts/download-model.ts lib job functions
IMAGE_TAG = $(shell git ls-files -z -co --exclude-standard -- $(IMAGE_INPUTS) | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-12)-$(WHISPER_MODEL)
IMAGE = $(REGION)-docker.pkg.dev/$(PROJECT)/$(REPOSITORY)/job:$(IMAGE_TAG)

TF_VARS = -var=image_tag=$(IMAGE_TAG) -var=whisper_model=$(WHISPER_MODEL) $(if $(filter command line,$(origin PROJECT)),-var=project_id=$(PROJECT)) $(if $(filter command line,$(origin REGION)),-var=region=$(REGION))
TF_APPLY_FLAGS = -input=false $(if $(AUTO_APPROVE),-auto-approve)
# What must exist before the image can be built: APIs, the repository, the build account and its grants, the secret.
BOOTSTRAP := google_artifact_registry_repository_iam_member.build_pushes_images google_project_iam_member.build_writes_logs \
  google_storage_bucket_iam_member.build_reads_deploy google_project_iam_member.build_reads_function_sources \
  google_secret_manager_secret.smtp_password

.PHONY: deploy deploy-check image functions-source smtp-password smtp-password-check upload status logs destroy

deploy-check:
	@test -f $(TFVARS) || { echo "deploy: no $(TFVARS): cp $(TFVARS).example $(TFVARS) and fill in project_id, email_from, default_email_to, smtp_user"; exit 1; }
	@test -n "$(PROJECT)" || { echo "deploy: project_id is not set in $(TFVARS) (or pass PROJECT=…)"; exit 1; }
	@for tool in gcloud terraform git; do command -v $$tool >/dev/null || { echo "deploy: '$$tool' not found; see README.md, Deploying on Google Cloud, Prerequisites"; exit 1; }; done
	@gcloud auth application-default print-access-token >/dev/null 2>&1 || { echo "deploy: no application-default credentials for Terraform: run 'gcloud auth application-default login'"; exit 1; }

functions-source: build
	@echo "functions-source: staging dist/functions, dist/lib and a trimmed package.json into $(FUNCTIONS_SOURCE)/"
	npx tsx scripts/stage-functions.ts $(FUNCTIONS_SOURCE)

deploy: deploy-check functions-source
	@echo "deploy 1/5: terraform init in $(TF_DIR)/ (project $(PROJECT), region $(REGION), model $(WHISPER_MODEL))"
	$(TF) init -input=false
	@echo "deploy 2/5: terraform apply of what the image build needs: APIs, Artifact Registry, the jdr-build account, the SMTP secret"
	$(TF) apply $(TF_APPLY_FLAGS) $(TF_VARS) $(addprefix -target=,$(BOOTSTRAP))
	@echo "deploy 3/5: checking that the SMTP password is stored in Secret Manager ($(SMTP_SECRET))"
	@$(MAKE) --no-print-directory smtp-password-check
	@echo "deploy 4/5: job image $(IMAGE)"
	@$(MAKE) --no-print-directory image
	@echo "deploy 5/5: terraform apply of everything else: buckets, topic, job, functions, IAM"
	$(TF) apply $(TF_APPLY_FLAGS) $(TF_VARS)
	@echo "deploy: done. Send a session with: make upload SESSION=<name> DIR=<folder of recordings>"

image: deploy-check
	@echo "image: $(IMAGE)"
	@if gcloud artifacts docker images describe "$(IMAGE)" --project "$(PROJECT)" >/dev/null 2>&1; then \
	  echo "image: already in Artifact Registry (the tag is a hash of the sources and the model): not rebuilt"; \
	else \
	  echo "image: building with Cloud Build as $(BUILD_ACCOUNT): npm ci, whisper-cli, the $(WHISPER_MODEL) and speaker models (15-30 min)"; \
	  gcloud builds submit . --project "$(PROJECT)" --region "$(REGION)" --config cloudbuild.yaml --ignore-file .dockerignore \
	    --service-account "projects/$(PROJECT)/serviceAccounts/$(BUILD_ACCOUNT)" \
	    --gcs-source-staging-dir "gs://$(DEPLOY_BUCKET)/cloudbuild-source" \
	    --substitutions "_IMAGE=$(IMAGE),_WHISPER_MODEL=$(WHISPER_MODEL)"; \
	fi

smtp-password-check:
	@if [ -z "$(call tfvar,smtp_user)" ]; then \
	  echo "smtp: smtp_user is empty in $(TFVARS): the mailer sends without authentication, no password needed"; \
	elif [ -z "$$(gcloud secrets versions list $(SMTP_SECRET) --project "$(PROJECT)" --filter=state:ENABLED --limit=1 --format='value(name)' 2>/dev/null)" ]; then \
	  echo "smtp: the secret $(SMTP_SECRET) has no value yet. Store the SMTP password (a Gmail app password) with:"; \
	  echo "        make smtp-password"; \
	  echo "      then run make deploy again."; \
	  exit 1; \
	else \
	  echo "smtp: $(SMTP_SECRET) has a value"; \
	fi

smtp-password: deploy-check
	@echo "smtp-password: adding a new version of the secret $(SMTP_SECRET) in project $(PROJECT) (input hidden, nothing written to disk)"
	@read -rs -p "SMTP password for $(call tfvar,smtp_user): " password && echo && \
	  test -n "$$password" || { echo "smtp-password: empty, nothing stored"; exit 1; }; \
	  printf '%s' "$$password" | gcloud secrets versions add $(SMTP_SECRET) --project "$(PROJECT)" --data-file=- >/dev/null && \
	  echo "smtp-password: stored. New mailer instances read it; run make deploy (or wait for a new instance) to use it."

upload: build
	@test -n "$(SESSION)" -a -n "$(DIR)" || { echo "upload: usage: make upload SESSION=<name> DIR=<folder> [CONTEXT=context.yaml] [TO=a@x.org,b@y.org] [RECAP=1]"; exit 1; }
	@bucket="$$($(TF) output -raw input_bucket 2>/dev/null)"; \
	  test -n "$$bucket" || { echo "upload: no input_bucket in the Terraform outputs: run make deploy first"; exit 1; }; \
	  echo "upload: $(DIR) -> gs://$$bucket/sessions/$(SESSION)/ (recordings$(if $(CONTEXT), and $(CONTEXT)), then _READY, which starts the run)"; \
	  node bin/jdr-transcriber.js upload "$(DIR)" --session "$(SESSION)" --bucket "$$bucket" $(if $(CONTEXT),--context "$(CONTEXT)") $(if $(TO),--to "$(TO)") $(if $(RECAP),--recap)

status:
	@test -n "$(SESSION)" || { echo "status: usage: make status SESSION=<name>"; exit 1; }
	@out="$$($(TF) output -raw output_bucket 2>/dev/null)"; \
	  test -n "$$out" || { echo "status: no output_bucket in the Terraform outputs: run make deploy first"; exit 1; }; \
	  echo "status: runs claimed for session $(SESSION) (one per _READY upload) in gs://$$out/sessions/$(SESSION)/runs/"; \
	  gcloud storage ls "gs://$$out/sessions/$(SESSION)/runs/" 2>/dev/null || echo "  none: the trigger has not started (or refused) a run; see make logs SESSION=$(SESSION)"; \
	  latest="$$(gcloud storage ls "gs://$$out/sessions/$(SESSION)/*/status.json" 2>/dev/null | sort | tail -n 1)"; \
	  if [ -n "$$latest" ]; then echo "status: $$latest"; gcloud storage cat "$$latest" | npx tsx scripts/status-table.ts; else echo "status: no status.json yet"; fi; \
	  emailed="$$(gcloud storage ls "gs://$$out/sessions/$(SESSION)/*/emailed.json" 2>/dev/null | sort | tail -n 1)"; \
	  if [ -n "$$emailed" ]; then echo "status: email ($$emailed: state sent, or refused with the SMTP answer)"; gcloud storage cat "$$emailed"; echo; else echo "status: no email claimed yet"; fi
	@echo "status: last executions of the job $(JOB)"
	@gcloud run jobs executions list --job $(JOB) --project "$(PROJECT)" --region "$(REGION)" --limit 5

SINCE ?= 1d
LOG_FILTER = ((resource.type="cloud_run_job" AND resource.labels.job_name="$(JOB)") OR (resource.type="cloud_run_revision" AND resource.labels.service_name=("$(TRIGGER_FUNCTION)" OR "$(MAILER_FUNCTION)")))$(if $(SESSION), AND labels.session="$(SESSION)")
logs:
	@echo "logs: last $(SINCE) of the job $(JOB) and the functions $(TRIGGER_FUNCTION), $(MAILER_FUNCTION)$(if $(SESSION), for session $(SESSION)) (SINCE=2h, SESSION=… to narrow)"
	@gcloud logging read '$(LOG_FILTER)' --project "$(PROJECT)" --freshness $(SINCE) --order asc --limit 500 \
	  --format 'table[no-heading](timestamp.date("%Y-%m-%d %H:%M:%S"), severity, resource.labels.job_name, resource.labels.service_name, jsonPayload.message, textPayload)'

destroy: deploy-check functions-source
	@echo "destroy: this deletes the job, the functions, the topic, the secret, the images AND both buckets with every recording and transcript in project $(PROJECT)."
	@echo "destroy 1/2: terraform apply turning off the job's deletion protection and letting the buckets be emptied"
	$(TF) apply $(TF_APPLY_FLAGS) $(TF_VARS) -var=deletion_protection=false -var=force_destroy=true
	@echo "destroy 2/2: terraform destroy (the APIs stay enabled)"
	$(TF) destroy $(TF_APPLY_FLAGS) $(TF_VARS) -var=deletion_protection=false -var=force_destroy=true
