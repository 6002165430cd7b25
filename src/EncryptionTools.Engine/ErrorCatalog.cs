namespace EncryptionTools.Engine;

/// <summary>
/// Every stable error id of the engine, the module and the CLI, with its category, its enctools exit code and its
/// meaning, grouped by family. Exceptions take their id and category from here, the module's ErrorRecords and the
/// CLI's exit codes come from here, and docs/about_EncryptionTools_Errors.md lists exactly these entries (a test
/// compares them). Ids are never renamed: scripts match on them.
/// </summary>
public static class ErrorCatalog
{
    // First: the entries below add themselves to it in declaration order.
    private static readonly List<ErrorDefinition> Entries = [];

    public const string MessageFamily = "Encrypted messages";
    public const string FileFamily = "Files";
    public const string RewrapFamily = "Rewrap";
    public const string RecipientFamily = "RSA recipients";
    public const string KeyFamily = "Keys and aliases";
    public const string StoreFamily = "Key store";
    public const string AccessFamily = "Key policies and grants";
    public const string AuditFamily = "Audit log";
    public const string ComplianceFamily = "Compliance";
    public const string KmsFamily = "AWS KMS";
    public const string GeneralFamily = "Paths, arguments and the rest";

    // Encrypted messages
    public static readonly ErrorDefinition NotAnEncryptedMessage = Add(MessageFamily, "NotAnEncryptedMessage", EngineErrorCategory.InvalidData, CliExitCodes.InvalidData,
        "The input is not an AWS Encryption SDK message.");
    public static readonly ErrorDefinition UnsupportedMessageFormat = Add(MessageFamily, "UnsupportedMessageFormat", EngineErrorCategory.InvalidData, CliExitCodes.InvalidData,
        "A message in a format or algorithm suite that is refused: version 1, a non-committing suite, or unframed.");
    public static readonly ErrorDefinition MessageTruncated = Add(MessageFamily, "MessageTruncated", EngineErrorCategory.InvalidData, CliExitCodes.InvalidData,
        "The message ends before its final frame or footer.");
    public static readonly ErrorDefinition MessageTampered = Add(MessageFamily, "MessageTampered", EngineErrorCategory.SecurityError, CliExitCodes.InvalidData,
        "Authentication failed: the header, a frame, the key commitment or the signature does not verify. Nothing is released.");
    public static readonly ErrorDefinition MessageLimitExceeded = Add(MessageFamily, "MessageLimitExceeded", EngineErrorCategory.InvalidData, CliExitCodes.InvalidData,
        "A length or count in the header is over the limit (ENCRYPTIONTOOLS_MAX_HEADER_SIZE, 4 MiB by default).");
    public static readonly ErrorDefinition InvalidMaxHeaderSize = Add(MessageFamily, "InvalidMaxHeaderSize", EngineErrorCategory.InvalidArgument, CliExitCodes.Usage,
        "ENCRYPTIONTOOLS_MAX_HEADER_SIZE holds a value that cannot be read or is out of range (64K to 64M).");
    public static readonly ErrorDefinition InvalidEncryptionContext = Add(MessageFamily, "InvalidEncryptionContext", EngineErrorCategory.InvalidArgument, CliExitCodes.Usage,
        "The encryption context given is not valid: a reserved key, too large, not a key=value pair, or a key given twice.");
    public static readonly ErrorDefinition EncryptionContextMismatch = Add(MessageFamily, "EncryptionContextMismatch", EngineErrorCategory.SecurityError, CliExitCodes.ContextMismatch,
        "The message's encryption context lacks a pair that was required (-ExpectedEncryptionContext, --expect-context).");
    public static readonly ErrorDefinition NoDecryptableKey = Add(MessageFamily, "NoDecryptableKey", EngineErrorCategory.PermissionDenied, CliExitCodes.AccessDenied,
        "None of the message's encrypted data keys could be decrypted with the keys allowed; each is listed with its reason. When every reason that has its own id is the same AWS KMS one and the others are only keys the caller left out, that id (KmsKeyNotAllowed, KmsAccessDenied, KmsKeyDisabled, ...) is raised instead, with the same list.");
    public static readonly ErrorDefinition InvalidDataInput = Add(MessageFamily, "InvalidDataInput", EngineErrorCategory.InvalidArgument, CliExitCodes.Usage,
        "An input the data cmdlets do not take (not a string, SecureString or bytes), or text that is not valid Unicode.");
    public static readonly ErrorDefinition DataNotText = Add(MessageFamily, "DataNotText", EngineErrorCategory.InvalidData, CliExitCodes.InvalidData,
        "Decrypted data asked for as text is not UTF-8.");
    public static readonly ErrorDefinition DataTooLongForSecureString = Add(MessageFamily, "DataTooLongForSecureString", EngineErrorCategory.InvalidOperation, CliExitCodes.Failure,
        "Decrypted text is longer than a SecureString holds.");

    // Files
    public static readonly ErrorDefinition SourceNotFound = Add(FileFamily, "SourceNotFound", EngineErrorCategory.ObjectNotFound, CliExitCodes.NotFound,
        "The file to read does not exist.");
    public static readonly ErrorDefinition SourceIsDirectory = Add(FileFamily, "SourceIsDirectory", EngineErrorCategory.InvalidArgument, CliExitCodes.Usage,
        "A directory was given where a file is expected (encryption and decryption take directories with -Recurse, --recursive).");
    public static readonly ErrorDefinition SourceIsDestination = Add(FileFamily, "SourceIsDestination", EngineErrorCategory.InvalidArgument, CliExitCodes.Usage,
        "The destination is the source file itself; in-place replacement is asked for with -InPlace (--in-place).");
    public static readonly ErrorDefinition SourceIsLink = Add(FileFamily, "SourceIsLink", EngineErrorCategory.InvalidArgument, CliExitCodes.Usage,
        "In-place replacement of a symbolic link, which would replace the link and leave its target as it was.");
    public static readonly ErrorDefinition SourceNotRegularFile = Add(FileFamily, "SourceNotRegularFile", EngineErrorCategory.InvalidArgument, CliExitCodes.Usage,
        "The source is a device, FIFO or socket; nothing was read.");
    public static readonly ErrorDefinition SourceAccessDenied = Add(FileFamily, "SourceAccessDenied", EngineErrorCategory.PermissionDenied, CliExitCodes.AccessDenied,
        "The operating system refused to open the file for reading (its permissions).");
    public static readonly ErrorDefinition SourceOpenFailed = Add(FileFamily, "SourceOpenFailed", EngineErrorCategory.ReadError, CliExitCodes.Failure,
        "The file could not be opened for another reason, given in the message.");
    public static readonly ErrorDefinition SourceChanged = Add(FileFamily, "SourceChanged", EngineErrorCategory.ReadError, CliExitCodes.Failure,
        "The file changed while it was being read; nothing was written.");
    public static readonly ErrorDefinition SourceReadOnly = Add(FileFamily, "SourceReadOnly", EngineErrorCategory.PermissionDenied, CliExitCodes.AccessDenied,
        "In-place replacement of a read-only file; the file was left untouched.");
    public static readonly ErrorDefinition SourceHasHardLinks = Add(FileFamily, "SourceHasHardLinks", EngineErrorCategory.InvalidOperation, CliExitCodes.Failure,
        "In-place encryption of a file with other hard links, which would leave the plaintext under the other names; refused unless forced.");
    public static readonly ErrorDefinition FileInUse = Add(FileFamily, "FileInUse", EngineErrorCategory.ResourceUnavailable, CliExitCodes.AccessDenied,
        "Another process holds a conflicting lock on the file.");
    public static readonly ErrorDefinition FileAccessDenied = Add(FileFamily, "FileAccessDenied", EngineErrorCategory.PermissionDenied, CliExitCodes.AccessDenied,
        "The operating system refused access to a file or directory (its permissions). A key policy or grant refusal is AccessDenied.");
    public static readonly ErrorDefinition FileOperationFailed = Add(FileFamily, "FileOperationFailed", EngineErrorCategory.WriteError, CliExitCodes.WriteFailed,
        "A file operation failed with an I/O error given in the message; nothing was left behind.");
    public static readonly ErrorDefinition DestinationExists = Add(FileFamily, "DestinationExists", EngineErrorCategory.ResourceExists, CliExitCodes.DestinationExists,
        "The destination exists and overwriting was not asked for (-Force, --force).");
    public static readonly ErrorDefinition DestinationClash = Add(FileFamily, "DestinationClash", EngineErrorCategory.ResourceExists, CliExitCodes.DestinationExists,
        "Two inputs of one command would be written to the same output; the second is refused even when forced.");
    public static readonly ErrorDefinition DestinationNotRegularFile = Add(FileFamily, "DestinationNotRegularFile", EngineErrorCategory.InvalidArgument, CliExitCodes.Usage,
        "The destination is a device, FIFO or socket; it is never replaced.");
    public static readonly ErrorDefinition InvalidDestination = Add(FileFamily, "InvalidDestination", EngineErrorCategory.InvalidArgument, CliExitCodes.Usage,
        "The destination does not fit the inputs (several files to one file, a directory without -Recurse, a bad suffix).");
    public static readonly ErrorDefinition OutputWriteFailed = Add(FileFamily, "OutputWriteFailed", EngineErrorCategory.WriteError, CliExitCodes.WriteFailed,
        "Writing the output failed; nothing was left under the final name.");
    public static readonly ErrorDefinition OutputDiskFull = Add(FileFamily, "OutputDiskFull", EngineErrorCategory.WriteError, CliExitCodes.WriteFailed,
        "The volume or quota ran out of space; the partial output was removed and the source is untouched.");
    public static readonly ErrorDefinition InPlaceVerificationFailed = Add(FileFamily, "InPlaceVerificationFailed", EngineErrorCategory.WriteError, CliExitCodes.WriteFailed,
        "The encrypted copy did not decrypt back to the bytes read; the original was left untouched.");

    // Rewrap
    public static readonly ErrorDefinition RewrapSignedMessage = Add(RewrapFamily, "RewrapSignedMessage", EngineErrorCategory.InvalidOperation, CliExitCodes.Failure,
        "A signed message (suite 0x0578) cannot have its data keys changed: its signature covers the header.");
    public static readonly ErrorDefinition RewrapNoRecipients = Add(RewrapFamily, "RewrapNoRecipients", EngineErrorCategory.InvalidArgument, CliExitCodes.Usage,
        "The rewrap would leave no key that can decrypt the file; nothing was changed.");
    public static readonly ErrorDefinition RewrapNoRoom = Add(RewrapFamily, "RewrapNoRoom", EngineErrorCategory.InvalidOperation, CliExitCodes.Failure,
        "The new header does not fit the old one's space and a full rewrite was not allowed.");
    public static readonly ErrorDefinition RewrapJournalUnavailable = Add(RewrapFamily, "RewrapJournalUnavailable", EngineErrorCategory.InvalidOperation, CliExitCodes.Failure,
        "The rewrap journal that makes an in-place header change crash-safe could not be written beside the file.");

    // RSA recipients
    public static readonly ErrorDefinition InvalidRecipientPublicKey = Add(RecipientFamily, "InvalidRecipientPublicKey", EngineErrorCategory.InvalidArgument, CliExitCodes.Usage,
        "A recipient public key is not an RSA public key of an accepted size, or not PEM.");
    public static readonly ErrorDefinition RecipientKeyNotFound = Add(RecipientFamily, "RecipientKeyNotFound", EngineErrorCategory.ObjectNotFound, CliExitCodes.NotFound,
        "A recipient public key file, or the recipient to remove, does not exist.");
    public static readonly ErrorDefinition RecipientKeyUnreadable = Add(RecipientFamily, "RecipientKeyUnreadable", EngineErrorCategory.PermissionDenied, CliExitCodes.AccessDenied,
        "A recipient public key file exists but cannot be read.");

    // Keys and aliases
    public static readonly ErrorDefinition KeyNotFound = Add(KeyFamily, "EncKeyNotFound", EngineErrorCategory.ObjectNotFound, CliExitCodes.NotFound,
        "No key or alias answers to the identifier in this key store.");
    public static readonly ErrorDefinition KeyDisabled = Add(KeyFamily, "EncKeyDisabled", EngineErrorCategory.ResourceUnavailable, CliExitCodes.AccessDenied,
        "The key is Disabled; it neither encrypts nor decrypts until it is enabled.");
    public static readonly ErrorDefinition KeyPendingDeletion = Add(KeyFamily, "EncKeyPendingDeletion", EngineErrorCategory.ResourceUnavailable, CliExitCodes.AccessDenied,
        "The key is scheduled for deletion and unusable until the deletion is cancelled.");
    public static readonly ErrorDefinition KeyInvalidState = Add(KeyFamily, "EncKeyInvalidState", EngineErrorCategory.InvalidOperation, CliExitCodes.Failure,
        "The key's state does not allow the change asked for.");
    public static readonly ErrorDefinition KeyManagedByModule = Add(KeyFamily, "EncKeyManagedByModule", EngineErrorCategory.PermissionDenied, CliExitCodes.AccessDenied,
        "The module-managed default key cannot be changed or deleted that way.");
    public static readonly ErrorDefinition KeyNotExportable = Add(KeyFamily, "EncKeyNotExportable", EngineErrorCategory.SecurityError, CliExitCodes.InvalidData,
        "The key's material was not made exportable when the key was created.");
    public static readonly ErrorDefinition KeyVersionNotFound = Add(KeyFamily, "EncKeyVersionNotFound", EngineErrorCategory.ObjectNotFound, CliExitCodes.NotFound,
        "The key has no such version.");
    public static readonly ErrorDefinition KeyExists = Add(KeyFamily, "EncKeyExists", EngineErrorCategory.ResourceExists, CliExitCodes.Failure,
        "Import-EncKey of a moved key whose key id (or namespace and key names) the target store already has, or had; nothing was imported.");
    public static readonly ErrorDefinition KeyPackageInvalid = Add(KeyFamily, "EncKeyPackageInvalid", EngineErrorCategory.InvalidData, CliExitCodes.InvalidData,
        "Text or an object that is not a key package of Export-EncKey, or one that is inconsistent.");
    public static readonly ErrorDefinition KeyInvalidArgument = Add(KeyFamily, "EncKeyInvalidArgument", EngineErrorCategory.InvalidArgument, CliExitCodes.Usage,
        "An argument of a key operation is not valid (an identifier, a period, key material, a name already used).");
    public static readonly ErrorDefinition AliasExists = Add(KeyFamily, "EncKeyAliasExists", EngineErrorCategory.ResourceExists, CliExitCodes.Failure,
        "The alias already exists; re-point it instead.");
    public static readonly ErrorDefinition AliasNotFound = Add(KeyFamily, "EncKeyAliasNotFound", EngineErrorCategory.ObjectNotFound, CliExitCodes.NotFound,
        "The alias does not exist.");
    public static readonly ErrorDefinition AliasInvalid = Add(KeyFamily, "EncKeyAliasInvalid", EngineErrorCategory.InvalidArgument, CliExitCodes.Usage,
        "The alias name does not follow the alias grammar.");
    public static readonly ErrorDefinition AliasReserved = Add(KeyFamily, "EncKeyAliasReserved", EngineErrorCategory.PermissionDenied, CliExitCodes.AccessDenied,
        "The alias name is reserved for the module.");

    // Key store
    public static readonly ErrorDefinition StoreLocked = Add(StoreFamily, "EncKeyStoreLocked", EngineErrorCategory.AuthenticationError, CliExitCodes.AccessDenied,
        "The store is protected by a password and is locked.");
    public static readonly ErrorDefinition StorePasswordInvalid = Add(StoreFamily, "EncKeyStorePasswordInvalid", EngineErrorCategory.AuthenticationError, CliExitCodes.AccessDenied,
        "The store password is wrong.");
    public static readonly ErrorDefinition StorePasswordRequired = Add(StoreFamily, "EncKeyStorePasswordRequired", EngineErrorCategory.AuthenticationError, CliExitCodes.AccessDenied,
        "Password protection was asked for without a usable password.");
    public static readonly ErrorDefinition StorePermissions = Add(StoreFamily, "EncKeyStorePermissions", EngineErrorCategory.PermissionDenied, CliExitCodes.AccessDenied,
        "The store directory or a store file is open to other users, or cannot be opened.");
    public static readonly ErrorDefinition StoreBusy = Add(StoreFamily, "EncKeyStoreBusy", EngineErrorCategory.ResourceUnavailable, CliExitCodes.AccessDenied,
        "Another process held the store's lock for longer than the timeout.");
    public static readonly ErrorDefinition StoreCorrupt = Add(StoreFamily, "EncKeyStoreCorrupt", EngineErrorCategory.InvalidData, CliExitCodes.InvalidData,
        "A store file is missing, damaged, altered or belongs to another store; restore it from a backup.");
    public static readonly ErrorDefinition StoreNotFound = Add(StoreFamily, "EncKeyStoreNotFound", EngineErrorCategory.ObjectNotFound, CliExitCodes.NotFound,
        "No key store exists at the location named; nothing was created there.");
    public static readonly ErrorDefinition StoreExists = Add(StoreFamily, "EncKeyStoreExists", EngineErrorCategory.ResourceExists, CliExitCodes.Failure,
        "A key store already exists where one was to be created.");
    public static readonly ErrorDefinition StoreNotOwned = Add(StoreFamily, "EncKeyStoreNotOwned", EngineErrorCategory.PermissionDenied, CliExitCodes.AccessDenied,
        "The store directory or one of its files belongs to another user.");
    public static readonly ErrorDefinition StoreUnsupported = Add(StoreFamily, "EncKeyStoreUnsupported", EngineErrorCategory.InvalidData, CliExitCodes.InvalidData,
        "The store is of a newer schema, or uses a protection this platform does not have.");
    public static readonly ErrorDefinition StoreWriteFailed = Add(StoreFamily, "EncKeyStoreWriteFailed", EngineErrorCategory.WriteError, CliExitCodes.WriteFailed,
        "A store file could not be written; the store keeps its previous state.");
    public static readonly ErrorDefinition StoreBackupInvalid = Add(StoreFamily, "EncKeyStoreBackupInvalid", EngineErrorCategory.InvalidData, CliExitCodes.InvalidData,
        "Not a key store backup, an unsupported one, or one that does not authenticate (wrong password or key, or altered); nothing was restored.");
    public static readonly ErrorDefinition StoreBackupProtectionMissing = Add(StoreFamily, "EncKeyStoreBackupProtectionMissing", EngineErrorCategory.InvalidArgument, CliExitCodes.Usage,
        "A backup needs a password, an RSA recipient, or both.");

    // Key policies and grants
    public static readonly ErrorDefinition AccessDenied = Add(AccessFamily, "AccessDenied", EngineErrorCategory.PermissionDenied, CliExitCodes.AccessDenied,
        "The key's policy and grants do not allow the caller this action on the key. Operating system refusals are FileAccessDenied.");
    public static readonly ErrorDefinition InvalidKeyPolicy = Add(AccessFamily, "InvalidKeyPolicy", EngineErrorCategory.InvalidData, CliExitCodes.InvalidData,
        "A key policy document is not valid; the message names the statement and field.");
    public static readonly ErrorDefinition KeyPolicyLockout = Add(AccessFamily, "KeyPolicyLockout", EngineErrorCategory.InvalidOperation, CliExitCodes.Failure,
        "The new policy would leave no principal able to change it again (kms:PutKeyPolicy).");
    public static readonly ErrorDefinition InvalidPrincipal = Add(AccessFamily, "InvalidPrincipal", EngineErrorCategory.InvalidArgument, CliExitCodes.Usage,
        "A principal does not follow the grammar (user:, uid:, group:, gid:, sid:, or *).");
    public static readonly ErrorDefinition InvalidGrant = Add(AccessFamily, "InvalidGrant", EngineErrorCategory.InvalidArgument, CliExitCodes.Usage,
        "A grant request is not valid (its operations, constraints or name).");
    public static readonly ErrorDefinition GrantNotFound = Add(AccessFamily, "GrantNotFound", EngineErrorCategory.ObjectNotFound, CliExitCodes.NotFound,
        "No grant with that id exists on the key.");
    public static readonly ErrorDefinition InvalidAccessData = Add(AccessFamily, "InvalidAccessData", EngineErrorCategory.InvalidData, CliExitCodes.InvalidData,
        "A stored grant list or other access data does not parse.");

    // Audit log
    public static readonly ErrorDefinition AuditLogLocked = Add(AuditFamily, "AuditLogLocked", EngineErrorCategory.ResourceUnavailable, CliExitCodes.AccessDenied,
        "Another process held the audit log's lock for longer than the timeout.");
    public static readonly ErrorDefinition InvalidAuditEntry = Add(AuditFamily, "InvalidAuditEntry", EngineErrorCategory.InvalidArgument, CliExitCodes.Usage,
        "An audit entry cannot be recorded as given (an empty or too long field).");
    public static readonly ErrorDefinition AuditLogWriteFailed = Add(AuditFamily, "AuditLogWriteFailed", EngineErrorCategory.WriteError, CliExitCodes.WriteFailed,
        "The use of a key could not be recorded in the audit log, so it was refused; nothing was left behind.");

    // Compliance
    public static readonly ErrorDefinition ComplianceInvalidArgument = Add(ComplianceFamily, "ComplianceInvalidArgument", EngineErrorCategory.InvalidArgument, CliExitCodes.Usage,
        "A bad argument to the compliance check (a rule id, a severity, a path).");
    public static readonly ErrorDefinition ComplianceProfileInvalid = Add(ComplianceFamily, "ComplianceProfileInvalid", EngineErrorCategory.InvalidArgument, CliExitCodes.Usage,
        "A compliance profile does not parse or names an unknown or mistyped field; the message names the field and line.");

    // AWS KMS
    public static readonly ErrorDefinition KmsUnavailable = Add(KmsFamily, "KmsUnavailable", EngineErrorCategory.ResourceUnavailable, CliExitCodes.Failure,
        "AWS KMS support is not loaded in this process: a KMS key was named, but the module's kms folder or the CLI's KMS support is missing or failed to load; the message says why.");
    public static readonly ErrorDefinition KmsInvalidKeyIdentifier = Add(KmsFamily, "KmsInvalidKeyIdentifier", EngineErrorCategory.InvalidArgument, CliExitCodes.Usage,
        "A KMS key is named in a form that is not accepted: only key ARNs and alias ARNs (arn:aws:kms:region:account:key/id or alias/name), or a discovery filter without a partition or account.");
    public static readonly ErrorDefinition KmsEndpointUnreachable = Add(KmsFamily, "KmsEndpointUnreachable", EngineErrorCategory.ResourceUnavailable, CliExitCodes.Failure,
        "The AWS KMS endpoint could not be reached within the bounded retry time; the message names the endpoint. Nothing was written.");
    public static readonly ErrorDefinition KmsCredentialsMissing = Add(KmsFamily, "KmsCredentialsMissing", EngineErrorCategory.AuthenticationError, CliExitCodes.AccessDenied,
        "No AWS credentials or region were found in the AWS SDK's standard chain (environment, profiles, SSO, instance metadata), or KMS rejected them as invalid.");
    public static readonly ErrorDefinition KmsAccessDenied = Add(KmsFamily, "KmsAccessDenied", EngineErrorCategory.PermissionDenied, CliExitCodes.AccessDenied,
        "AWS KMS denied the call (IAM or key policy); the message gives the key ARN, the operation and KMS's request id.");
    public static readonly ErrorDefinition KmsKeyNotFound = Add(KmsFamily, "KmsKeyNotFound", EngineErrorCategory.ObjectNotFound, CliExitCodes.NotFound,
        "AWS KMS has no such key or alias in that account and region.");
    public static readonly ErrorDefinition KmsKeyDisabled = Add(KmsFamily, "KmsKeyDisabled", EngineErrorCategory.ResourceUnavailable, CliExitCodes.AccessDenied,
        "The AWS KMS key is disabled.");
    public static readonly ErrorDefinition KmsKeyInvalidState = Add(KmsFamily, "KmsKeyInvalidState", EngineErrorCategory.ResourceUnavailable, CliExitCodes.AccessDenied,
        "The AWS KMS key is in a state that forbids the use (pending deletion, pending import, unavailable).");
    public static readonly ErrorDefinition KmsInvalidCiphertext = Add(KmsFamily, "KmsInvalidCiphertext", EngineErrorCategory.SecurityError, CliExitCodes.InvalidData,
        "AWS KMS refused an encrypted data key: the encryption context differs from the one it was made with, or the key blob was altered.");
    public static readonly ErrorDefinition KmsKeyNotAllowed = Add(KmsFamily, "KmsKeyNotAllowed", EngineErrorCategory.PermissionDenied, CliExitCodes.AccessDenied,
        "Strict decryption: the file's AWS KMS key is not one the caller allowed (name it with -KeyId or --key, list it in ENCTOOLS_KMS_KEY_IDS, or opt into discovery with an account filter); KMS was not called.");
    public static readonly ErrorDefinition KmsKeyMismatch = Add(KmsFamily, "KmsKeyMismatch", EngineErrorCategory.SecurityError, CliExitCodes.InvalidData,
        "AWS KMS reports that a key other than the one the encrypted data key names did the decryption; the result was discarded.");
    public static readonly ErrorDefinition KmsThrottled = Add(KmsFamily, "KmsThrottled", EngineErrorCategory.ResourceUnavailable, CliExitCodes.Failure,
        "AWS KMS kept throttling the calls (ThrottlingException) beyond the bounded retry time; try again later or lower the request rate.");
    public static readonly ErrorDefinition KmsRequestFailed = Add(KmsFamily, "KmsRequestFailed", EngineErrorCategory.ResourceUnavailable, CliExitCodes.Failure,
        "Any other AWS KMS error; the message gives KMS's error code and request id.");

    // Paths, arguments and the rest
    public static readonly ErrorDefinition PathNotFound = Add(GeneralFamily, "PathNotFound", EngineErrorCategory.ObjectNotFound, CliExitCodes.NotFound,
        "A path (or a -Path wildcard) names nothing that exists.");
    public static readonly ErrorDefinition PathNotFileSystem = Add(GeneralFamily, "PathNotFileSystem", EngineErrorCategory.InvalidArgument, CliExitCodes.Usage,
        "A path of a PowerShell provider other than the file system.");
    public static readonly ErrorDefinition IOError = Add(GeneralFamily, "IOError", EngineErrorCategory.WriteError, CliExitCodes.Failure,
        "An operating system I/O error that no more precise id describes; the message gives it.");
    public static readonly ErrorDefinition InvalidArgument = Add(GeneralFamily, "InvalidArgument", EngineErrorCategory.InvalidArgument, CliExitCodes.Usage,
        "An argument is not valid (for example a --key-file that holds no 256-bit key).");
    public static readonly ErrorDefinition Usage = Add(GeneralFamily, "Usage", EngineErrorCategory.InvalidArgument, CliExitCodes.Usage,
        "enctools only: the command line does not parse (an unknown command or option, a missing or repeated argument).");
    public static readonly ErrorDefinition OperationStopped = Add(GeneralFamily, "OperationStopped", EngineErrorCategory.OperationStopped, CliExitCodes.Cancelled,
        "The operation was cancelled (Ctrl+C); nothing was left behind.");
    public static readonly ErrorDefinition UnexpectedError = Add(GeneralFamily, "UnexpectedError", EngineErrorCategory.NotSpecified, CliExitCodes.Failure,
        "A failure the product did not anticipate; please report it with the message.");

    /// <summary>Every entry, in family order.</summary>
    public static IReadOnlyList<ErrorDefinition> All => Entries;

    private static readonly Dictionary<string, ErrorDefinition> ById = Entries.ToDictionary(e => e.Id, StringComparer.Ordinal);

    private static ErrorDefinition Add(string family, string id, EngineErrorCategory category, int exitCode, string meaning)
    {
        var entry = new ErrorDefinition(family, id, category, exitCode, meaning);
        Entries.Add(entry);
        return entry;
    }

    /// <summary>The entry of an id, or null for an id not in the catalog.</summary>
    public static ErrorDefinition? Find(string id) => ById.GetValueOrDefault(id);

    /// <summary>
    /// The one exception-to-id mapping of the module and the CLI: the id, category and exit code of any exception
    /// a command can end with. An id raised but not yet catalogued keeps its own category, and the exit code follows it.
    /// </summary>
    public static ErrorDefinition Classify(Exception exception) => exception switch
    {
        EncryptionToolsException e => Find(e.ErrorId) ?? new ErrorDefinition(GeneralFamily, e.ErrorId, e.Category, CliExitCodes.ForCategory(e.Category), e.Message),
        OperationCanceledException => OperationStopped,
        UnauthorizedAccessException => FileAccessDenied,
        FileNotFoundException or DirectoryNotFoundException => PathNotFound,
        IOException => IOError,
        ArgumentException => InvalidArgument,
        _ => UnexpectedError,
    };
}
