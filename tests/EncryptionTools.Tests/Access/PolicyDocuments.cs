namespace EncryptionTools.Tests.Access;

/// <summary>
/// Key policies in the shapes the AWS KMS documentation gives (account ids and names are placeholders), and the same
/// statements rewritten for a local store with our principal strings.
/// </summary>
internal static class PolicyDocuments
{
    /// <summary>KMS's default key policy for a key made through the API: the owning account gets kms:*.</summary>
    public const string AwsDefault = """
        {
          "Version": "2012-10-17",
          "Id": "key-default-1",
          "Statement": [
            {
              "Sid": "Enable IAM User Permissions",
              "Effect": "Allow",
              "Principal": { "AWS": "arn:aws:iam::111122223333:root" },
              "Action": "kms:*",
              "Resource": "*"
            }
          ]
        }
        """;

    /// <summary>The console's default policy: account root, key administrators, key users, and grants for AWS resources.</summary>
    public const string AwsConsoleDefault = """
        {
          "Version": "2012-10-17",
          "Id": "key-consolepolicy-3",
          "Statement": [
            { "Sid": "Enable IAM User Permissions", "Effect": "Allow",
              "Principal": { "AWS": "arn:aws:iam::111122223333:root" }, "Action": "kms:*", "Resource": "*" },
            { "Sid": "Allow access for Key Administrators", "Effect": "Allow",
              "Principal": { "AWS": "arn:aws:iam::111122223333:role/KMSKeyAdmins" },
              "Action": [ "kms:Create*", "kms:Describe*", "kms:Enable*", "kms:List*", "kms:Put*", "kms:Update*", "kms:Revoke*",
                          "kms:Disable*", "kms:Get*", "kms:Delete*", "kms:TagResource", "kms:UntagResource",
                          "kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion", "kms:RotateKeyOnDemand" ],
              "Resource": "*" },
            { "Sid": "Allow use of the key", "Effect": "Allow",
              "Principal": { "AWS": "arn:aws:iam::111122223333:role/KMSKeyUsers" },
              "Action": [ "kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey" ],
              "Resource": "*" },
            { "Sid": "Allow attachment of persistent resources", "Effect": "Allow",
              "Principal": { "AWS": "arn:aws:iam::111122223333:role/KMSKeyUsers" },
              "Action": [ "kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant" ],
              "Resource": "*",
              "Condition": { "Bool": { "kms:GrantIsForAWSResource": "true" } } }
          ]
        }
        """;

    /// <summary>The FSx/EFS-style statement: every principal of the account, through the service, for file system encryption.</summary>
    public const string AwsFileSystem = """
        {
          "Version": "2012-10-17",
          "Statement": [
            {
              "Sid": "Allow access through the file system service for all principals in the account that are authorized to use it",
              "Effect": "Allow",
              "Principal": { "AWS": "*" },
              "Action": [ "kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKeyWithoutPlaintext",
                          "kms:CreateGrant", "kms:DescribeKey", "kms:ListAliases" ],
              "Resource": "*",
              "Condition": {
                "StringEquals": { "kms:CallerAccount": "111122223333", "kms:ViaService": "fsx.us-east-2.amazonaws.com" }
              }
            },
            {
              "Sid": "Allow direct access to key metadata to the account",
              "Effect": "Allow",
              "Principal": { "AWS": "arn:aws:iam::111122223333:root" },
              "Action": [ "kms:Describe*", "kms:Get*", "kms:List*", "kms:RevokeGrant" ],
              "Resource": "*"
            }
          ]
        }
        """;

    /// <summary>The Transfer Family statement: one role may decrypt, encrypt and generate data keys with one key.</summary>
    public const string AwsTransferFamily = """
        {
          "Version": "2012-10-17",
          "Statement": [
            {
              "Sid": "Allow the transfer role to use the key",
              "Effect": "Allow",
              "Principal": { "AWS": "arn:aws:iam::111122223333:role/transfer-access-role" },
              "Action": [ "kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey" ],
              "Resource": "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
            }
          ]
        }
        """;

    public const string StoreId = "store1";
    public const string KeyId = "1234abcd-12ab-34cd-56ef-1234567890ab";

    /// <summary>The console default, for a local store: owner, key administrators, key users.</summary>
    public const string LocalConsoleStyle = """
        {
          "Version": "2012-10-17",
          "Id": "local-console-style",
          "Statement": [
            { "Sid": "Owner", "Effect": "Allow", "Principal": { "EncTools": "user:owner" }, "Action": "kms:*", "Resource": "*" },
            { "Sid": "KeyAdministrators", "Effect": "Allow", "Principal": { "EncTools": "group:key-admins" },
              "Action": [ "kms:Create*", "kms:Describe*", "kms:Enable*", "kms:List*", "kms:Put*", "kms:Update*", "kms:Revoke*",
                          "kms:Disable*", "kms:Get*", "kms:Delete*", "kms:TagResource", "kms:UntagResource",
                          "kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion", "kms:RotateKeyOnDemand" ],
              "Resource": "*" },
            { "Sid": "KeyUsers", "Effect": "Allow", "Principal": { "EncTools": ["group:key-users", "uid:1500"] },
              "Action": [ "kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey" ],
              "Resource": "*" },
            { "Sid": "PersistentResources", "Effect": "Allow", "Principal": { "EncTools": "group:key-users" },
              "Action": [ "kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant" ], "Resource": "*",
              "Condition": { "Bool": { "kms:GrantIsForAWSResource": "true" } } }
          ]
        }
        """;

    /// <summary>The file-system statement for a local store: everyone in a group, for one key, with the listed actions.</summary>
    public const string LocalFileSystem = """
        {
          "Version": "2012-10-17",
          "Statement": [
            { "Sid": "FileServers", "Effect": "Allow", "Principal": { "EncTools": "group:file-servers" },
              "Action": [ "kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKeyWithoutPlaintext",
                          "kms:CreateGrant", "kms:DescribeKey", "kms:ListAliases" ],
              "Resource": "*" },
            { "Sid": "Owner", "Effect": "Allow", "Principal": { "EncTools": "user:owner" }, "Action": "kms:*", "Resource": "*" }
          ]
        }
        """;

    /// <summary>The Transfer Family statement for a local store: one user, three actions, one key's ARN.</summary>
    public const string LocalTransfer = """
        {
          "Version": "2012-10-17",
          "Statement": [
            { "Sid": "TransferUser", "Effect": "Allow", "Principal": { "AWS": "user:transfer" },
              "Action": [ "kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey" ],
              "Resource": "arn:enctools:kms:local:store1:key/1234abcd-12ab-34cd-56ef-1234567890ab" },
            { "Sid": "Owner", "Effect": "Allow", "Principal": { "EncTools": "user:owner" }, "Action": "kms:*", "Resource": "*" }
          ]
        }
        """;
}
