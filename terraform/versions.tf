terraform {
  required_version = ">= 1.9" # validations that refer to other variables

  required_providers {
    archive = {
      source  = "hashicorp/archive"
      version = ">= 2.4, < 3.0"
    }
    google = {
      source  = "hashicorp/google"
      version = ">= 6.20, < 9.0"
    }
    time = {
      source  = "hashicorp/time"
      version = ">= 0.9, < 1.0"
    }
  }
}

provider "google" {
  project = var.project_id
  region  = var.region

  default_labels = {
    app = "jdr-transcriber"
  }
}
