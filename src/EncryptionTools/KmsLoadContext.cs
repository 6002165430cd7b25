using System.Reflection;
using System.Runtime.Loader;
using EncryptionTools.Engine;
using EncryptionTools.Engine.Keyrings;

namespace EncryptionTools.Module;

/// <summary>
/// The load context of AWS KMS support: EncryptionTools.Kms and the AWS SDK (AWSSDK.Core and the rest), loaded on
/// first use from the kms folder beside the module. The session may hold another AWSSDK.Core in its default context
/// (AWS Tools for PowerShell); neither side ever sees the other's. What the module ships itself (the engine, with the
/// IKeyringProvider seam both sides must agree on) and the framework come from the module's own context.
/// Not collectible: the provider lives as long as the process, and the AWS SDK holds static caches.
/// </summary>
internal sealed class KmsLoadContext : AssemblyLoadContext
{
    public const string ContextName = "EncryptionTools.Kms";
    public const string FolderName = "kms";
    private const string ProviderAssembly = "EncryptionTools.Kms";
    private const string ProviderType = "EncryptionTools.Kms.AwsKmsKeyringProvider";

    private static readonly object Gate = new();
    private static KmsLoadContext? _instance;

    private readonly string _moduleDirectory;
    private readonly string _directory;
    private readonly AssemblyLoadContext _moduleContext;

    private KmsLoadContext(string moduleDirectory) : base(ContextName, isCollectible: false)
    {
        _moduleDirectory = moduleDirectory;
        _directory = Path.Combine(moduleDirectory, FolderName);
        _moduleContext = GetLoadContext(typeof(KmsLoadContext).Assembly) ?? Default;
    }

    /// <summary>The module's directory: where EncryptionTools.dll was loaded from.</summary>
    public static string ModuleDirectory => Path.GetDirectoryName(typeof(KmsLoadContext).Assembly.Location) ?? AppContext.BaseDirectory;

    /// <summary>
    /// The AWS KMS keyring provider, created in the one context of the process (several runspaces that import the module
    /// share it). Throws KmsUnavailable when the kms folder is missing (a module copied without it).
    /// </summary>
    public static IKeyringProvider LoadProvider()
    {
        KmsLoadContext context;
        lock (Gate) context = _instance ??= new KmsLoadContext(ModuleDirectory);
        var path = Path.Combine(context._directory, ProviderAssembly + ".dll");
        if (!File.Exists(path))
            throw new EncryptionToolsException(ErrorCatalog.KmsUnavailable,
                $"AWS KMS support is not installed with this module: '{path}' is missing. Reinstall the module with its '{FolderName}' folder.");
        var assembly = context.LoadFromAssemblyName(new AssemblyName(ProviderAssembly));
        var type = assembly.GetType(ProviderType, throwOnError: true)!;
        return (IKeyringProvider)Activator.CreateInstance(type)!;
    }

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        var name = assemblyName.Name;
        if (string.IsNullOrEmpty(name)) return null;
        // Shared with the module: the engine (the seam's types must be one type on both sides) and whatever else the
        // module's folder holds. Asked of the module's context, which may not be the default one.
        var shared = Path.Combine(_moduleDirectory, name + ".dll");
        if (File.Exists(shared))
            return _moduleContext.Assemblies.FirstOrDefault(a => string.Equals(a.GetName().Name, name, StringComparison.OrdinalIgnoreCase))
                ?? _moduleContext.LoadFromAssemblyPath(shared);
        var path = Path.Combine(_directory, name + ".dll");
        // Anything else (System.*, netstandard) is the framework's: null defers to the default context.
        return File.Exists(path) ? LoadFromAssemblyPath(path) : null;
    }
}
