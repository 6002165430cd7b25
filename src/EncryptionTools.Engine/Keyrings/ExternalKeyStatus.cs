namespace EncryptionTools.Engine.Keyrings;

/// <summary>What the service says of a key (DescribeKey): its ARN, state ("Enabled", "Disabled", "PendingDeletion", ...) and deletion date.</summary>
public sealed record ExternalKeyStatus(string KeyIdentifier, string KeyArn, string State, DateTimeOffset? DeletionDate);
