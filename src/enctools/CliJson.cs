using System.Text.Json.Serialization;
using EncryptionTools.Engine.Files;
using EncryptionTools.Engine.Inspection;
using EncryptionTools.Engine.Store;

namespace EncryptionTools.Cli;

/// <summary>
/// The --json output of every subcommand, as source-generated metadata: the CLI is Native AOT and its reflection
/// serializer is off (JsonSerializerIsReflectionEnabledByDefault), so a result type missing here fails the build or the
/// CLI tests. The shape is the documented one: property names as in C#, enums as names, nulls written, indented.
/// </summary>
[JsonSourceGenerationOptions(WriteIndented = true, UseStringEnumConverter = true)]
[JsonSerializable(typeof(EncKey))]
[JsonSerializable(typeof(IReadOnlyList<EncKey>))]
[JsonSerializable(typeof(EncKeyAlias))]
[JsonSerializable(typeof(EncKeyStoreInfo))]
[JsonSerializable(typeof(StoreBackupInfo))]
[JsonSerializable(typeof(IReadOnlyList<EncKeyAlias>))]
[JsonSerializable(typeof(List<FileOperationResult>))]
[JsonSerializable(typeof(List<EncryptedFileInfo>))]
// rewrap: one array of RewrapResult and UnchangedFile elements, each written as its own type.
[JsonSerializable(typeof(List<object>))]
[JsonSerializable(typeof(RewrapResult))]
[JsonSerializable(typeof(UnchangedFile))]
internal sealed partial class CliJson : JsonSerializerContext;

/// <summary>A rewrap that had nothing to change.</summary>
internal sealed record UnchangedFile(string Path, string Method, string? Reason);
