using System.Reflection;
using System.Runtime.CompilerServices;

namespace EncryptionTools.Module;

/// <summary>
/// PowerShell installed as a .NET tool (as this repository pins it) carries no precompiled code, so a session's first
/// command and the first display of its output compile several hundred of PowerShell's own methods on the session's
/// thread: some 50 ms on two cores, more than the module's own import. The list of those methods (FirstCommandMethods.txt,
/// recorded from the pinned pwsh by tools/FirstCommandMethods/record.ps1) is compiled here, on the warm-up thread, while
/// PowerShell finishes the import. Compiling runs nothing: methods whose compilation would run a type initializer (the
/// static methods and constructors of types that have one) are left out, as are names this PowerShell lacks. Where
/// PowerShell is precompiled, each method is found and costs no compilation.
/// </summary>
internal static class FirstCommandWarmUp
{
    internal const string ResourceName = "EncryptionTools.FirstCommandMethods.txt";

    /// <summary>Methods compiled (or found compiled) by the last run; for tests and diagnostics.</summary>
    internal static int Prepared { get; private set; }

    /// <summary>Compiles the listed methods that resolve; never throws.</summary>
    internal static void Run()
    {
        try
        {
            using var stream = typeof(FirstCommandWarmUp).Assembly.GetManifestResourceStream(ResourceName);
            if (stream is null) return;
            using var reader = new StreamReader(stream);
            // Only what the session has loaded, PowerShell's engine first: loading an assembly is not this class's business.
            var assemblies = AppDomain.CurrentDomain.GetAssemblies()
                .Where(a => a.GetName().Name is { } n && (n == "System.Management.Automation" || n.StartsWith("Microsoft.PowerShell.", StringComparison.Ordinal)))
                .OrderBy(a => a.GetName().Name == "System.Management.Automation" ? 0 : 1).ToArray();
            var types = new Dictionary<string, Type?>(StringComparer.Ordinal);
            var prepared = 0;
            while (reader.ReadLine() is { } line)
            {
                if (Parse(line) is not { } entry) continue;
                if (!types.TryGetValue(entry.Type, out var type))
                    types[entry.Type] = type = assemblies.Select(a => a.GetType(entry.Type, throwOnError: false)).FirstOrDefault(t => t is not null);
                if (type is not null) prepared += Prepare(type, entry.Method);
            }
            Prepared = prepared;
        }
        catch (Exception)
        {
            // An optimization only: the session compiles whatever was not compiled here.
        }
    }

    /// <summary>"Namespace.Type+Nested::Method"; null for comments, blank and malformed lines.</summary>
    internal static (string Type, string Method)? Parse(string line)
    {
        if (line.Length == 0 || line[0] == '#') return null;
        var colons = line.IndexOf("::", StringComparison.Ordinal);
        if (colons <= 0 || colons + 2 >= line.Length) return null;
        return (line[..colons], line[(colons + 2)..]);
    }

    private static int Prepare(Type type, string methodName)
    {
        var count = 0;
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        foreach (var member in type.GetMember(methodName, MemberTypes.Method | MemberTypes.Constructor, all))
        {
            var method = (MethodBase)member;
            if (method.IsAbstract || method.ContainsGenericParameters) continue;
            // Compiling these may run the type's initializer, on this thread and ahead of its time.
            if ((method.IsStatic || method.IsConstructor) && type.TypeInitializer is not null) continue;
            try
            {
                RuntimeHelpers.PrepareMethod(method.MethodHandle);
                count++;
            }
            catch (Exception)
            {
                // e.g. a method the runtime cannot compile ahead of a call; the call compiles it.
            }
        }
        return count;
    }
}
