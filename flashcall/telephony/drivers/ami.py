"""AMI driver (placeholder while written)."""
class AmiDriver:
    kind = "ami"
