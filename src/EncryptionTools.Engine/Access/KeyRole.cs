namespace EncryptionTools.Engine.Access;

/// <summary>Which key of an operation an action is checked on.</summary>
internal enum KeyRole
{
    /// <summary>The key the operation names.</summary>
    Key,
    /// <summary>Protect: the key that generates the data key.</summary>
    PrimaryKey,
    /// <summary>Protect: every further key the data key is also encrypted under.</summary>
    EachAdditionalKey,
    /// <summary>Data plane: every key the data is encrypted under.</summary>
    EachKey,
    /// <summary>Decrypt: the key that unwraps the file's data key (each candidate key is checked before it is used).</summary>
    DecryptingKey,
    /// <summary>Re-encrypt: the key the file is encrypted under now.</summary>
    SourceKey,
    /// <summary>Re-encrypt: the key the file will be encrypted under.</summary>
    DestinationKey,
    /// <summary>Update alias: the key the alias points to now.</summary>
    CurrentAliasTarget,
    /// <summary>Update alias: the key the alias will point to.</summary>
    NewAliasTarget,
}
