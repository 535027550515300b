# grader/ knows no assignment: a scan of grader/ for the nouns of the
# rubrics in rubrics/ (engine_is_generic.sh holds the word list). No
# engine, no build products: it reads the source tree.
add_test(NAME EngineIsGeneric.GraderNamesNoAssignmentNoun
  COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/engine_is_generic.sh ${PROJECT_SOURCE_DIR})
set_tests_properties(EngineIsGeneric.GraderNamesNoAssignmentNoun PROPERTIES LABELS unit)
