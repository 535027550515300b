// junit.xml for CI systems (GitLab, Jenkins, GitHub reporters): one
// <testsuite> per student (name = student), one <testcase> per check
// (classname = student.part, name = check title). A failed check is a
// <failure>, a check the grader could not judge an <error>, a check skipped
// because a check it needs did not pass <skipped>. A result with status
// "error" is one testcase "grading" holding an <error> with the cause.
// Every attribute and text goes through XmlAttr/XmlText, so hostile student
// output cannot break the document.
#pragma once

#include <string>
#include <vector>

#include "report/result.h"

namespace ipc::report {

std::string RenderJunit(std::vector<Result> results);

}  // namespace ipc::report
