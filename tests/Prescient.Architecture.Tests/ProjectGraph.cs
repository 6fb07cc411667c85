using System.Xml.Linq;

namespace Prescient.Architecture.Tests;

/// <summary>The repository's projects as their project files declare them: project and package references, transitively.</summary>
internal sealed class ProjectGraph
{
    private readonly Dictionary<string, (IReadOnlyList<string> Projects, IReadOnlyList<string> Packages, IReadOnlyList<string> Frameworks)> _projects = new(StringComparer.Ordinal);

    private ProjectGraph(string root)
    {
        Root = root;
        foreach (var file in Directory.EnumerateFiles(Path.Combine(root, "src"), "*.csproj", SearchOption.AllDirectories))
        {
            var xml = XDocument.Load(file);
            var directory = Path.GetDirectoryName(file)!;
            var projects = xml.Descendants("ProjectReference")
                .Select(e => Path.GetFileNameWithoutExtension(Path.GetFullPath(Path.Combine(directory, e.Attribute("Include")!.Value.Replace('\\', '/')))))
                .ToList();
            var packages = xml.Descendants("PackageReference").Select(e => e.Attribute("Include")!.Value).ToList();
            var frameworks = xml.Descendants("FrameworkReference").Select(e => e.Attribute("Include")!.Value).ToList();
            _projects[Path.GetFileNameWithoutExtension(file)] = (projects, packages, frameworks);
        }
    }

    public string Root { get; }

    public IEnumerable<string> Projects => _projects.Keys;

    public static ProjectGraph Load()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Functions.sln")) && Directory.Exists(Path.Combine(dir.FullName, "src")))
            {
                return new ProjectGraph(dir.FullName);
            }
        }

        throw new InvalidOperationException($"No repository root (Functions.sln + src/) above {AppContext.BaseDirectory}.");
    }

    /// <summary>The project and every project it references, directly or not.</summary>
    public IReadOnlySet<string> Closure(string project)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var stack = new Stack<string>([project]);
        while (stack.TryPop(out var next))
        {
            if (seen.Add(next) && _projects.TryGetValue(next, out var refs))
            {
                foreach (var r in refs.Projects)
                {
                    stack.Push(r);
                }
            }
        }

        return seen;
    }

    /// <summary>The packages the project and the projects it references declare.</summary>
    public IReadOnlySet<string> Packages(string project) =>
        Closure(project).Where(_projects.ContainsKey).SelectMany(p => _projects[p].Packages).ToHashSet(StringComparer.Ordinal);

    /// <summary>The shared frameworks (such as ASP.NET Core) the project and the projects it references declare.</summary>
    public IReadOnlySet<string> Frameworks(string project) =>
        Closure(project).Where(_projects.ContainsKey).SelectMany(p => _projects[p].Frameworks).ToHashSet(StringComparer.Ordinal);
}
