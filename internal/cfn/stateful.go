package cfn

// Stateful reports whether resources of the type hold data that a stack
// deletion, a removal from the template or a replacement destroys. It is
// the one list the deploy engine (which refuses change sets that replace
// or remove such a resource) and the template checks (which want its
// DeletionPolicy and UpdateReplacePolicy written down) share.
func Stateful(resourceType string) bool {
	switch resourceType {
	case "AWS::EFS::FileSystem", "AWS::FSx::FileSystem", "AWS::EC2::Volume",
		"AWS::ECR::Repository", "AWS::S3::Bucket",
		"AWS::DynamoDB::Table", "AWS::DynamoDB::GlobalTable",
		"AWS::RDS::DBInstance", "AWS::RDS::DBCluster",
		"AWS::Logs::LogGroup", "AWS::KMS::Key", "AWS::SecretsManager::Secret":
		return true
	}
	return false
}

// Snapshots reports whether DeletionPolicy: Snapshot is allowed for the
// type: CloudFormation snapshots it before deleting it.
// https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-deletionpolicy.html
func Snapshots(resourceType string) bool {
	switch resourceType {
	case "AWS::EC2::Volume", "AWS::RDS::DBInstance", "AWS::RDS::DBCluster",
		"AWS::ElastiCache::CacheCluster", "AWS::ElastiCache::ReplicationGroup",
		"AWS::Neptune::DBCluster", "AWS::Redshift::Cluster", "AWS::DocDB::DBCluster":
		return true
	}
	return false
}
